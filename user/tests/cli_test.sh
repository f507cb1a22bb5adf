#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iotgwctl without a kernel: bad words are named, exit codes follow
# iproute2 (2 for usage, 1 for failure), help, the man page and batch
# files work; then, against a stand-in for the kernel family (fake_genl.c,
# preloaded), the requests each command sends and the output formats.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
top=$here/../..
ctl=$top/tools/iotgwctl/iotgwctl
man=$top/tools/iotgwctl/iotgwctl.8
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check STATUS DESCRIPTION DETAILS: a TAP line, with DETAILS (made one
# line) only when it fails
check() {
	local desc=${2:0:400}

	[ "$1" = 0 ] || desc="$desc (got $(printf '%s' "$3" | tr '\n' '|'))"
	tap_ok "$1" "$desc"
}

# expect STATUS PATTERN ARGS...: exit status and a stderr line matching
expect() {
	local want=$1 pattern=$2 err rc
	shift 2
	err=$("$ctl" "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = "$want" ] && echo "$err" | grep -qE -- "$pattern"
	check $? "iotgwctl $* -> exit $want, says /$pattern/" "$rc: $err"
}

# expect_line STATUS LINE ARGS...: exit status and exactly this one stderr line
expect_line() {
	local want=$1 line=$2 err rc
	shift 2
	err=$("$ctl" "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = "$want" ] && [ "$err" = "$line" ]
	check $? "iotgwctl $* -> exit $want, '$line'" "$rc: $err"
}

expect 2 'unknown object "bogus"' bogus
expect 2 'unknown option "-x"' -x config show
expect 2 'unknown option "-jj"' -jj rule show
expect 2 'unknown config command "frob"' config frob
expect 2 'config show takes no arguments, got "extra"' config show extra
expect 2 'version takes no arguments, got "now"' version now
expect 2 'Usage: iotgwctl' 

# rule add / replace: each bad word named, on one line
p='iotgwctl: rule add:'
expect_line 2 "$p missing NAME; try \"iotgwctl help\"" rule add
expect_line 2 "$p \"bogus\" is not a keyword; try \"iotgwctl help\"" \
	rule add r1 filter a action drop bogus
expect_line 2 "$p \"fil\" is not a keyword; try \"iotgwctl help\"" \
	rule add r1 fil a action drop
expect_line 2 "$p \"99999999999\" for mark is not a 32-bit number" \
	rule add r1 filter a action mark mark 99999999999
expect_line 2 "$p \"4294967296\" for prio is not a 32-bit number" \
	rule add r1 filter a action drop prio 4294967296
for kw in mark skb-priority rate burst prio; do
	for bad in -1 +1 1.5 0x 0x1g 12abc 0x100000000 ''; do
		expect_line 2 "$p \"$bad\" for $kw is not a 32-bit number" \
			rule add r1 filter a action accept "$kw" "$bad"
	done
done
expect_line 2 "$p missing value after \"filter\"" rule add r1 filter
expect_line 2 "$p missing value after \"rate\"" \
	rule add r1 filter a action ratelimit rate
expect_line 2 "$p missing value after \"action\"" rule add r1 filter a action
expect_line 2 "$p missing \"filter\"; try \"iotgwctl help\"" \
	rule add r1 action drop
expect_line 2 "$p missing \"action\"; try \"iotgwctl help\"" \
	rule add r1 filter a/b per-source
expect_line 2 "$p \"udp\" is not a protocol: use coap, mqtt or any" \
	rule add r1 filter a proto udp action drop
expect_line 2 "$p \"COAP\" is not a protocol: use coap, mqtt or any" \
	rule add r1 filter a proto COAP action drop
expect_line 2 "$p \"out\" is not a hook: use in, fwd or any" \
	rule add r1 filter a hook out action drop
expect_line 2 "$p \"reject\" is not an action: use accept, drop, mark, ratelimit, capture or ingest" \
	rule add r1 filter a action reject
expect_line 2 "$p \"acc\" is not an action: use accept, drop, mark, ratelimit, capture or ingest" \
	rule add r1 filter a action acc
expect_line 2 "$p \"mark\" is given twice" \
	rule add r1 filter a action mark mark 1 mark 2
expect_line 2 "$p \"per-source\" is given twice" \
	rule add r1 filter a action ratelimit rate 1 per-source per-source
long=$(printf 'n%.0s' {1..32})
for name in 'a/b' 'a b' '' "$long" 'caf'$'\xc3\xa9'; do
	expect_line 2 "$p \"$name\" is not a rule name: 1 to 31 characters of A-Z a-z 0-9 _ . -" \
		rule add "$name" filter a action drop
done
bigfilter=$(printf 'a%.0s' {1..1025})
expect_line 2 "$p the filter is 1025 bytes long, more than 1024" \
	rule add r1 filter "$bigfilter" action drop
expect_line 2 "iotgwctl: rule replace: \"bogus\" is not a keyword; try \"iotgwctl help\"" \
	rule replace r1 bogus
expect_line 2 "iotgwctl: rule replace: missing \"action\"; try \"iotgwctl help\"" \
	rule replace r1 filter a

# the other rule commands
expect_line 2 'iotgwctl: unknown rule command "list"; try "iotgwctl help"' rule list
expect_line 2 'iotgwctl: unknown rule command "a"; try "iotgwctl help"' rule a
expect_line 2 'iotgwctl: rule del: missing NAME; try "iotgwctl help"' rule del
expect_line 2 'iotgwctl: rule del takes one NAME, got "x" after it' rule del r1 x
expect_line 2 'iotgwctl: rule del: "a/b" is not a rule name: 1 to 31 characters of A-Z a-z 0-9 _ . -' \
	rule del a/b
expect_line 2 'iotgwctl: rule show takes at most one NAME, got "x" after it' \
	rule show r1 x
expect_line 2 'iotgwctl: rule show: "a b" is not a rule name: 1 to 31 characters of A-Z a-z 0-9 _ . -' \
	rule show 'a b'
expect_line 2 'iotgwctl: rule flush takes no arguments, got "all"' rule flush all

# stats and config
expect_line 2 'iotgwctl: unknown stats command "clear"; try "iotgwctl help"' stats clear
expect_line 2 'iotgwctl: stats show takes no arguments, got "x"' stats show x
expect_line 2 'iotgwctl: stats reset takes no arguments, got "x"' stats reset x
expect_line 2 'iotgwctl: unknown flow command "list"; try "iotgwctl help"' flow list
expect_line 2 'iotgwctl: flow show takes no arguments, got "x"' flow show x
expect_line 2 'iotgwctl: flow show takes no arguments, got "all"' -j flow show all
expect_line 2 'iotgwctl: queue show takes no arguments, got "x"' queue show x
expect_line 2 'iotgwctl: queue flush takes no arguments, got "now"' queue flush now
expect_line 2 'iotgwctl: unknown queue command "drain"; try "iotgwctl help"' queue drain
expect_line 2 'iotgwctl: rule add: "3" is not a QoS: use 0, 1 or 2' rule add r1 filter a action capture qos 3
expect_line 2 'iotgwctl: rule add: "disk" is not a confirmation mode: use admit, store or cloud' rule add r1 filter a proto coap action ingest confirm disk
expect_line 2 'iotgwctl: monitor: unknown argument "x"; try "iotgwctl monitor help"' monitor x
expect_line 2 'iotgwctl: monitor: count "0" is not a number from 1 to 4294967295' monitor count 0
expect_line 2 'iotgwctl: monitor: "count" needs a number' monitor count
expect_line 2 'iotgwctl: config set: missing KEY VALUE; try "iotgwctl help"' config set
expect_line 2 'iotgwctl: config set: "bogus" is not a key; try "iotgwctl help"' \
	config set bogus 1
expect_line 2 'iotgwctl: config set: "coap" is not a key; try "iotgwctl help"' \
	config set coap 1
expect_line 2 'iotgwctl: config set: missing value after "flow-max"' \
	config set coap-port 5683 flow-max
expect_line 2 'iotgwctl: config set: "max-rules" is given twice' \
	config set max-rules 1 max-rules 2
for key in coap-port mqtt-port; do
	for bad in 0 65536 -1 0x10000 port ''; do
		expect_line 2 "iotgwctl: config set: \"$bad\" for $key is not a port number (1-65535)" \
			config set "$key" "$bad"
	done
done
for key in max-rules flow-max flow-idle-ms queue-max-bytes queue-max-msgs; do
	expect_line 2 "iotgwctl: config set: \"4294967296\" for $key is not a 32-bit number" \
		config set "$key" 4294967296
done

for key in coap-ack-timeout-ms coap-ack-random-factor coap-max-retransmit \
	coap-nstart coap-requests-max device-max confirm-timeout-ms queue-batch; do
	expect_line 2 "iotgwctl: config set: \"4294967296\" for $key is not a 32-bit number" \
		config set "$key" 4294967296
done

# coap request and device: each bad word named, on one line
p='iotgwctl: coap request:'
u=coap://10.0.0.2/x
expect_line 2 'iotgwctl: coap: missing COMMAND; try "iotgwctl help"' coap
expect_line 2 'iotgwctl: unknown coap command "get"; try "iotgwctl help"' coap get $u
expect_line 2 'iotgwctl: unknown coap command "req"; try "iotgwctl help"' coap req get $u
expect_line 2 "$p missing METHOD; try \"iotgwctl help\"" coap request
expect_line 2 "$p missing METHOD; try \"iotgwctl help\"" coap request non
expect_line 2 "$p missing URI; try \"iotgwctl help\"" coap request get
expect_line 2 "$p missing URI; try \"iotgwctl help\"" coap request con put
m='is not a method: use get, post, put, delete, fetch, patch, ipatch or a number from 1 to 31'
for bad in GET Get bogus ge 0 32 -1 0x20 1.5 ''; do
	expect_line 2 "$p \"$bad\" $m" coap request "$bad" $u
done
expect_line 2 "$p \"con\" $m" coap request non con $u
expect_line 2 "$p \"$u\" $m" coap request con $u
# URIs: the whole word, then the part that is wrong
b="$p bad URI"
expect_line 2 "$b \"http://10.0.0.2/x\": scheme \"http\" is not coap" coap request get http://10.0.0.2/x
expect_line 2 "$b \"coaps://10.0.0.2/x\": scheme \"coaps\" is not coap" coap request get coaps://10.0.0.2/x
expect_line 2 "$b \"10.0.0.2/x\": it does not start with coap://" coap request get 10.0.0.2/x
expect_line 2 "$b \"coap://10.0.0.2/x?a%26b\": \"%26\" cannot be sent in the query \"a%26b\"" coap request get 'coap://10.0.0.2/x?a%26b'
expect_line 2 "$b \"coap://10.0.0.2/x#f\": fragment \"#f\" is not allowed (nor is \"#\" in the path)" \
	coap request get 'coap://10.0.0.2/x#f'
expect_line 2 "$b \"coap://10.0.0.2/a/#\": fragment \"#\" is not allowed (nor is \"#\" in the path)" \
	coap request get 'coap://10.0.0.2/a/#'
expect_line 2 "$b \"coap://10.0.0.2/a/+/b\": \"+\" is not allowed in the path \"a/+/b\"" \
	coap request get 'coap://10.0.0.2/a/+/b'
for host in sensor.local localhost 10.0.0 10.0.0.256 1.2.3.4.5; do
	expect_line 2 "$b \"coap://$host/x\": host \"$host\" is not an IPv4 address nor an IPv6 address in brackets (names are not resolved)" \
		coap request get "coap://$host/x"
done
expect_line 2 "$b \"coap://fd00::2/x\": IPv6 address \"fd00::2\" must be in brackets" coap request get coap://fd00::2/x
expect_line 2 "$b \"coap://[fd00::2/x\": \"[fd00::2\" has no closing \"]\"" coap request get 'coap://[fd00::2/x'
expect_line 2 "$b \"coap://[fd00::g]/x\": \"fd00::g\" is not an IPv6 address" coap request get 'coap://[fd00::g]/x'
for port in 0 65536 abc -1 0x10 123456; do
	expect_line 2 "$b \"coap://10.0.0.2:$port/x\": port \"$port\" is not a number from 1 to 65535" \
		coap request get "coap://10.0.0.2:$port/x"
	expect_line 2 "$b \"coap://[fd00::2]:$port\": port \"$port\" is not a number from 1 to 65535" \
		coap request get "coap://[fd00::2]:$port"
done
for path in a//b /a a/ a/b//; do
	expect_line 2 "$b \"coap://10.0.0.2/$path\": empty segment in the path \"$path\"" \
		coap request get "coap://10.0.0.2/$path"
done
expect_line 2 "$b \"coap://10.0.0.2/a/..\": path segment \"..\" is not allowed" coap request get coap://10.0.0.2/a/..
expect_line 2 "$b \"coap://10.0.0.2/a%2Fb\": \"%2F\" (a \"/\" inside a segment) cannot be sent" \
	coap request get coap://10.0.0.2/a%2Fb
expect_line 2 "$b \"coap://user@10.0.0.2/x\": user information \"user@\" is not supported" \
	coap request get coap://user@10.0.0.2/x
expect_line 2 "$b \"coap://\": no address after coap://" coap request get coap://
# the keywords after the URI
expect_line 2 "$p \"bogus\" is not a keyword; try \"iotgwctl help\"" coap request get $u bogus 1
expect_line 2 "$p \"/y\" is not a keyword; try \"iotgwctl help\"" coap request get $u /y
expect_line 2 "$p missing value after \"payload\"" coap request post $u payload
expect_line 2 "$p missing value after \"timeout\"" coap request get $u format json timeout
expect_line 2 "$p \"format\" is given twice" coap request get $u format json format 0
expect_line 2 "$p \"cookie\" is given twice" coap request get $u cookie 1 cookie 1
f='is not a content format: use text, link, xml, octets, exi, json, cbor or a number from 0 to 65535'
for bad in yaml JSON 65536 -1 text/plain ''; do
	expect_line 2 "$p \"$bad\" $f" coap request get $u format "$bad"
done
for bad in 0 99 3600001 4294967296 -5 1s ''; do
	expect_line 2 "$p \"$bad\" for timeout is not a number of milliseconds from 100 to 3600000" \
		coap request get $u timeout "$bad"
done
for bad in -1 18446744073709551616 0x10000000000000000 x ''; do
	expect_line 2 "$p \"$bad\" for cookie is not a 64-bit number" coap request get $u cookie "$bad"
done
bigpayload=$(printf 'p%.0s' {1..1153})
expect_line 2 "$p the payload is 1153 bytes long, more than 1152" coap request post $u payload "$bigpayload"
expect_line 2 'iotgwctl: unknown device command "list"; try "iotgwctl help"' device list
expect_line 2 'iotgwctl: device show takes no arguments, got "x"' device show x
expect_line 2 'iotgwctl: device show takes no arguments, got "all"' -j device show all

# options and batch files that fail before reaching the kernel
expect_line 2 'iotgwctl: -batch needs a FILE (- for stdin)' -batch
expect_line 2 'iotgwctl: -batch takes no OBJECT on the command line, got "rule"' \
	-batch /dev/null rule show
expect_line 1 'iotgwctl: cannot open batch file "/nonexistent/x": No such file or directory' \
	-batch /nonexistent/x
printf '# comment\n\n   \n\t# indented comment\nhelp\n' >"$tmp/ok.batch"
"$ctl" -batch "$tmp/ok.batch" >/dev/null 2>&1
tap_ok $? "a batch of comments, blank lines and help succeeds"
"$ctl" -batch /dev/null >/dev/null 2>&1
tap_ok $? "an empty batch succeeds"
printf 'help\n# two\n\nrule add r1 filter "a b/#" action drop bogus\nhelp\n' >"$tmp/bad.batch"
expect_line 2 "iotgwctl: $tmp/bad.batch:4: rule add: \"bogus\" is not a keyword; try \"iotgwctl help\"" \
	-batch "$tmp/bad.batch"
printf 'help\nrule add r1 filter "a b/# action drop\n' >"$tmp/quote.batch"
expect_line 2 "iotgwctl: $tmp/quote.batch:2: unterminated quote" -batch "$tmp/quote.batch"
printf 'help\nfrob\n' >"$tmp/obj.batch"
expect_line 2 "iotgwctl: $tmp/obj.batch:2: unknown object \"frob\"; try \"iotgwctl help\"" \
	-batch "$tmp/obj.batch"
printf -- '-j rule show\n' >"$tmp/opt.batch"
expect_line 2 "iotgwctl: $tmp/opt.batch:1: unknown object \"-j\"; try \"iotgwctl help\"" \
	-batch "$tmp/opt.batch"
err=$(printf '\n\nconfig set mqtt-port 0\n' | "$ctl" -batch - 2>&1 >/dev/null)
rc=$?
[ "$rc" = 2 ] && [ "$err" = 'iotgwctl: stdin:3: config set: "0" for mqtt-port is not a port number (1-65535)' ]
check $? "-batch - reads stdin and names stdin:LINE" "$rc: $err"

# help, usage and the man page cover every command and keyword
out=$("$ctl" help)
tap_ok $? "iotgwctl help exits 0"
echo "$out" | grep -q 'config show'
tap_ok $? "help lists config show"
for obj in rule stats flow config coap device; do
	"$ctl" "$obj" help | grep -q "^Usage: iotgwctl .*$obj"
	tap_ok $? "iotgwctl $obj help prints that object's usage"
done
[ "$("$ctl" -h)" = "$out" ] && [ "$("$ctl" --help)" = "$out" ]
tap_ok $? "-h and --help print the same usage as help"
words='add replace del show flush filter proto coap mqtt any hook in fwd
	action accept drop mark ratelimit skb-priority rate burst per-source
	no-rst prio stats reset flow config set coap-port mqtt-port max-rules
	flow-max flow-idle-ms queue-max-bytes queue-max-msgs event-rate monitor count
	version -batch -j -s device request con non get post put delete fetch
	patch ipatch payload format timeout cookie coap-ack-timeout-ms
	coap-ack-random-factor coap-max-retransmit coap-nstart coap-requests-max
	device-max confirm admit store cloud confirm-timeout-ms queue-batch'
missing=
for w in $words; do
	echo "$out" | grep -qw -- "$w" || missing="$missing $w"
done
[ -z "$missing" ]
check $? "usage names every command and keyword" "missing:$missing"

if command -v groff >/dev/null; then
	warn=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
	[ -z "$warn" ]
	check $? "groff -man -ww: no warnings in iotgwctl.8" "$warn"
	text=$(groff -man -Tutf8 -P-cbou "$man" 2>/dev/null)
	missing=
	for w in $words 'rule show' 'stats reset' 'flow show' 'queue flush' 'QOS QUEUE' 'config set' 'EXIT STATUS' \
		'WHICH RULE DECIDES A PACKET' 'BATCH FILES' 'FILE:LINE' 'coap request' 'device show' \
		'COAP REQUESTS' DEVICES coap-requests coap-transmissions coap-responses \
		coap-failures coap-results-lost 'no result from the kernel'; do
		echo "$text" | grep -qF -- "$w" || missing="$missing '$w'"
	done
	[ -z "$missing" ]
	check $? "iotgwctl.8 documents every command and keyword" "missing:$missing"
else
	echo "# groff is not installed: not checking the man page"
fi
if command -v man >/dev/null; then
	MANWIDTH=80 man -l "$man" 2>/dev/null | grep -q '^NAME'
	tap_ok $? "man -l iotgwctl.8 renders"
fi

out=$("$ctl" -V)
echo "$out" | grep -qE '^iotgwctl [0-9]+\.[0-9]+\.[0-9]+$'
check $? "iotgwctl -V prints its version" "$out"

# Without the module, every command that reaches the kernel fails with 1.
if grep -q '^iotgw ' /proc/modules 2>/dev/null; then
	echo "# the iotgw module is loaded here: not checking the missing-family message"
else
	nofam='family "iotgw" not found: is the iotgw module loaded\?'
	expect 1 "$nofam" config show
	expect 1 "$nofam" config
	expect 1 "$nofam" -j config show
	expect 1 "$nofam" config set coap-port 5684 max-rules 0x10
	expect 1 "$nofam" rule add r1 filter 'a/#' proto coap hook in action mark mark 0x10 skb-priority 3 prio 2
	expect 1 "$nofam" rule add r1 filter x action ratelimit rate 10 burst 20 per-source no-rst
	expect 1 "$nofam" rule replace r1 filter x action drop
	expect 1 "$nofam" rule del r1
	expect 1 "$nofam" rule show
	expect 1 "$nofam" rule show r1
	expect 1 "$nofam" -s -j rule show
	expect 1 "$nofam" rule
	expect 1 "$nofam" rule flush
	expect 1 "$nofam" stats
	expect 1 "$nofam" stats show
	expect 1 "$nofam" -j stats
	expect 1 "$nofam" stats reset
	expect 1 "$nofam" flow
	expect 1 "$nofam" flow show
	expect 1 "$nofam" -j flow show
	expect 1 "$nofam" version
	expect 1 "$nofam" coap request get coap://10.0.0.2/x
	expect 1 "$nofam" -j coap request non post 'coap://[fd00::2]:5684/a' payload 1 timeout 100
	expect 1 "$nofam" device
	expect 1 "$nofam" -j device show
	printf 'help\nrule flush\nhelp\n' >"$tmp/kernel.batch"
	expect 1 "^iotgwctl: $tmp/kernel.batch:2: generic netlink $nofam" \
		-batch "$tmp/kernel.batch"
fi

# ---- against the stand-in for the kernel family ----
fake=$tmp/fake_genl.so
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -shared -fPIC \
	-I"$top/include/uapi" $(pkg-config --cflags libnl-genl-3.0) \
	-o "$fake" "$here/fake_genl.c" $(pkg-config --libs libnl-genl-3.0)
tap_ok $? "build the fake kernel family (user/tests/fake_genl.c)"
log=$tmp/requests

# fake ARGS...: run iotgwctl on the fake family; stdout in $out, stderr in $err
fake() {
	: >"$log"
	out=$(LD_PRELOAD=$fake FAKE_GENL_LOG=$log "$ctl" "$@" 2>"$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
}

# sends "REQUEST" ARGS...: the command succeeds and sends exactly that
sends() {
	local want=$1
	shift
	fake "$@"
	[ "$rc" = 0 ] && [ "$(cat "$log")" = "$want" ]
	check $? "iotgwctl $* sends '$want'" "$rc: $(cat "$log") $err"
}

sends 'cmd 3 RULE { NAME="r1" FILTER="sensors/+/temp" ACTION=3 MARK=16 }' \
	rule add r1 filter sensors/+/temp action mark mark 0x10
sends 'cmd 3 RULE { NAME="r1" FILTER="a/#" PROTO=1 HOOK=1 ACTION=4 MARK=4294967295 SKB_PRIORITY=3 RATE=100 BURST=200 PRIORITY=7 FLAGS=3 }' \
	rule add r1 filter 'a/#' proto coap hook in action ratelimit mark 0xffffffff \
	skb-priority 3 rate 100 burst 200 per-source no-rst prio 7
sends 'cmd 3 RULE { NAME="r1" FILTER="#" PROTO=2 HOOK=2 ACTION=1 PRIORITY=0 }' \
	rule add r1 prio 0 action accept hook fwd proto mqtt filter '#'
sends 'cmd 3 RULE { NAME="r1" FILTER="x" PROTO=0 HOOK=0 ACTION=2 FLAGS=2 }' \
	rule add r1 filter x proto any hook any action drop no-rst
sends 'cmd 3 RULE { NAME="r1" FILTER="s/#" PROTO=1 HOOK=1 ACTION=6 QOS=2 CONFIRM=2 }' \
	rule add r1 filter 's/#' proto coap hook in action ingest qos 2 confirm cloud
sends 'cmd 3 RULE { NAME="r1" FILTER="s/#" PROTO=1 ACTION=6 CONFIRM=1 }' \
	rule add r1 filter 's/#' proto coap action ingest confirm store
sends 'cmd 3 RULE { NAME="r.1-_Z" FILTER="plant 1/#" ACTION=2 } REPLACE' \
	rule replace r.1-_Z filter 'plant 1/#' action drop
sends 'cmd 4 RULE { NAME="r1" }' rule del r1
sends 'cmd 5 dump' rule show
sends 'cmd 5 dump' rule
sends 'cmd 5 RULE { NAME="temp" }' rule show temp
sends 'cmd 6' rule flush
sends 'cmd 7' stats
sends 'cmd 7' stats show
sends 'cmd 8' stats reset
sends 'cmd 9 dump' flow show
sends 'cmd 9 dump' flow
sends 'cmd 9 dump' -j flow show
sends 'cmd 16' queue show
sends 'cmd 17' queue flush
sends 'cmd 1' config show
sends 'cmd 2 CONFIG { coap-port=5684 max-rules=16 queue-max-msgs=4294967295 }' \
	config set queue-max-msgs 4294967295 coap-port 5684 max-rules 0x10
sends 'cmd 2 CONFIG { mqtt-port=65535 flow-max=0 flow-idle-ms=1000 queue-max-bytes=1 }' \
	config set mqtt-port 65535 flow-max 0 flow-idle-ms 1000 queue-max-bytes 1
sends 'cmd 2 CONFIG { coap-ack-timeout-ms=100 coap-ack-random-factor=400 coap-max-retransmit=0 coap-nstart=16 coap-requests-max=65536 device-max=0 }' \
	config set device-max 0 coap-nstart 16 coap-ack-timeout-ms 100 \
	coap-requests-max 0x10000 coap-max-retransmit 0 coap-ack-random-factor 400
sends 'cmd 20 dump' device show
sends 'cmd 20 dump' device
sends 'cmd 20 dump' -j device show
# coap request: without a timeout, the configuration first (for the
# kernel's deadline); the port and type always, the path when there is one
sends 'cmd 1
cmd 18 COAP_REQ { ADDR=10.0.0.2 PORT=5683 TYPE=0 METHOD=1 PATH="door/7" }' \
	coap request get coap://10.0.0.2/door/7
sends 'cmd 18 COAP_REQ { ADDR=fd00::2 PORT=61616 TYPE=1 METHOD=3 PATH="a/é b" CONTENT_FORMAT=50 PAYLOAD="on" COOKIE=18446744073709551615 TIMEOUT_MS=2000 }' \
	coap request non put 'coap://[fd00::2]:61616/a/%C3%A9%20b' payload on format json \
	timeout 2000 cookie 18446744073709551615
sends 'cmd 18 COAP_REQ { ADDR=10.0.0.2 PORT=5683 TYPE=0 METHOD=1 PATH="async" QUERY="1&a b" TIMEOUT_MS=100 }' \
	coap request get 'coap://10.0.0.2/async?1&a%20b' timeout 100
sends 'cmd 1
cmd 18 COAP_REQ { ADDR=192.168.1.1 PORT=1 TYPE=0 METHOD=31 }' \
	coap request con 31 coap://192.168.1.1:1/
sends 'cmd 18 COAP_REQ { ADDR=::1 PORT=5683 TYPE=0 METHOD=2 PATH="x" CONTENT_FORMAT=42 PAYLOAD=0x7b2274223a317d COOKIE=0 TIMEOUT_MS=100 }' \
	coap request post 'coap://[::1]:/x' cookie 0 timeout 100 payload '{"t":1}' format 0x2a
sends 'cmd 18 COAP_REQ { ADDR=10.0.0.2 PORT=5683 TYPE=1 METHOD=4 PATH="a" TIMEOUT_MS=3600000 }' \
	coap request non delete COAP://10.0.0.2/a payload '' timeout 3600000
for m in get:1 post:2 put:3 delete:4 fetch:5 patch:6 ipatch:7 0x1f:31; do
	sends "cmd 18 COAP_REQ { ADDR=10.0.0.2 PORT=5683 TYPE=0 METHOD=${m#*:} TIMEOUT_MS=100 }" \
		coap request "${m%:*}" coap://10.0.0.2 timeout 100
done
for f in text:0 link:40 xml:41 octets:42 exi:47 json:50 cbor:60 65535:65535; do
	sends "cmd 18 COAP_REQ { ADDR=10.0.0.2 PORT=5683 TYPE=0 METHOD=2 CONTENT_FORMAT=${f#*:} TIMEOUT_MS=100 }" \
		coap request post coap://10.0.0.2 format "${f%:*}" timeout 100
done

# output formats
# same WANT ARGS...: the command succeeds and prints exactly WANT
same() {
	local want=$1
	shift
	fake "$@"
	[ "$rc" = 0 ] && [ "$out" = "$want" ] && [ -z "$err" ]
	check $? "iotgwctl $* prints the expected text" "$rc: $out $err"
}
r1='rule temp filter sensors/+/temp proto coap hook any action mark mark 0x10 prio 0'
r2='rule limit.v2 filter "plant 1/#" proto mqtt hook fwd action ratelimit skb-priority 3 rate 100 burst 200 per-source prio 7'
s1='    packets 5 bytes 300 accepted 0 dropped 0 marked 5 ratelimited 0 queued 0 refused 0 duplicates 0'
s2='    packets 5000000000 bytes 1099511627776 accepted 4000000000 dropped 0 marked 0 ratelimited 1000000000 queued 0 refused 0 duplicates 0'
same "$r1"$'\n'"$r2" rule show
same "$r1"$'\n'"$s1"$'\n'"$r2"$'\n'"$s2" -s rule show
same "$r1" rule show temp
same "$r1"$'\n'"$s1" -s rule show temp
same 'packets 2000
bytes 3000
matched 4000
unmatched 5000
unclassified 6000
parse-errors 7000
accepted 8000
dropped 9000
marked 10000
ratelimited 11000
replies 12000
flows 3
events 13000
events-skipped 14000
queued 0
refused 0
duplicates 0
coap-requests 20000
coap-transmissions 21000
coap-responses 22000
coap-failures 23000
coap-results-lost 24000
reason "coap: option delta 15" 3
reason "mqtt: \"odd\" name" 1' stats
same 'version 9.8.7-fake
coap-port 5683
mqtt-port 1883
max-rules 10000
flow-max 4096
flow-idle-ms 60000
queue-max-bytes 1048576
queue-max-msgs 1024
coap-ack-timeout-ms 2000
coap-ack-random-factor 150
coap-max-retransmit 4
coap-nstart 1
coap-requests-max 1024
device-max 4096
confirm-timeout-ms 60000
queue-batch 256' config show
same "iotgwctl $("$ctl" -V | cut -d' ' -f2)
iotgw 9.8.7-fake" version
same '' rule add r1 filter a action drop
# flows: IPv4 and IPv6 (in brackets), a client id with quotes and one with
# a newline, a byte that is not UTF-8 and a character cut short (\xHH),
# none before CONNECT, a state this tool does not know (its number)
same 'flow 10.10.1.2:40312 -> 10.10.2.2:1883 mqtt 5 client "sensor-1" state tracking publishes 3 bytes 211 idle 1200ms
flow [fd00:1::2]:51000 -> [fd00:2::2]:1883 mqtt 4 client "door \"7\"\\" state malformed publishes 5000000000 bytes 1099511627776 idle 0ms
flow 10.10.1.3:1024 -> 10.10.1.1:1883 mqtt 0 client "" state lost-sync publishes 0 bytes 0 idle 4294967295ms
flow [fd00:1::3]:65535 -> [fd00:1::1]:8883 mqtt 5 client "a\x0ab\xff'$'\xc3\xa9''\xc3" state 9 publishes 1 bytes 20 idle 5ms' flow show
FAKE_GENL_FLOWS=none same '' flow show
same 'queue msgs 10 bytes 1500 pending-qos0 1 pending-qos1 2 pending-qos2 3 in-flight 4 awaiting 5 oldest 1500ms
consumer port 4242 credit 256
    admitted 100 refused 101 evicted 102 expired 103 delivered 104 redelivered 105 acked 106 nacked 107 stale-acks 108 flushed 109 duplicates 110 dedup-evicted 111 rejected 112 confirmed 113 unconfirmed 114 withdrawn 115 confirms-lost 116' queue show
FAKE_GENL_QUEUE=idle same 'queue msgs 0 bytes 0 pending-qos0 0 pending-qos1 0 pending-qos2 0 in-flight 0 awaiting 0
consumer none
    admitted 0 refused 0 evicted 0 expired 0 delivered 0 redelivered 0 acked 0 nacked 0 stale-acks 0 flushed 0 duplicates 0 dedup-evicted 0 rejected 0 confirmed 0 unconfirmed 0 withdrawn 0 confirms-lost 0' queue
same '' queue flush
# devices: IPv4 and IPv6, a protocol this tool does not know (its number),
# a topic to escape
same 'ADDRESS                                 PORT  PROTO PACKETS    AGE          TOPIC
10.10.1.2                               36944 coap  42         1200ms       "sensors/kitchen/temp"
fd00:1::2                               5683  coap  5000000000 0ms          "door/7"
10.10.1.3                               1024  9     1          4294967295ms "a \"q\"\x0a\xff"' device show
FAKE_GENL_DEVICES=none same '' device
# coap request: the status line, then the payload (a newline added)
same '2.05 Content (piggybacked, 1 transmission, 12 ms, format 0)
22.5 C' coap request get coap://10.0.0.2/x
FAKE_GENL_COAP=changed same '2.04 Changed (separate, 3 transmissions, 4510 ms, format 0, max-age 60)
stored' coap request put coap://10.0.0.2/x payload 1
FAKE_GENL_COAP=empty same '2.02 Deleted (piggybacked, 1 transmission, 2 ms)' \
	coap request delete coap://10.0.0.2/x
FAKE_GENL_COAP=unnamed same '2.07 (piggybacked, 1 transmission, 1 ms)' \
	coap request get coap://10.0.0.2/x
FAKE_GENL_COAP=text same '2.05 Content (piggybacked, 1 transmission, 7 ms, format 0, max-age 4294967295)
café "q"\
	end' coap request get coap://10.0.0.2/x
for when in early first other; do
	FAKE_GENL_COAP_WHEN=$when same '2.05 Content (piggybacked, 1 transmission, 12 ms, format 0)
22.5 C' coap request get coap://10.0.0.2/x
done
LD_PRELOAD=$fake FAKE_GENL_COAP=binary "$ctl" coap request get coap://10.0.0.2/x >"$tmp/binary"
rc=$?
printf '2.05 Content (piggybacked, 1 transmission, 7 ms, format 42)\n\000\377\020\n' | cmp -s - "$tmp/binary" && [ "$rc" = 0 ]
check $? "coap request writes a binary payload as it is" "$rc: $(od -c "$tmp/binary" | head -3)"

# outcome STATUS WANT ARGS...: exit STATUS, prints exactly WANT, no error
outcome() {
	local want=$1 text=$2
	shift 2
	fake "$@"
	[ "$rc" = "$want" ] && [ "$out" = "$text" ] && [ -z "$err" ]
	check $? "iotgwctl $* exits $want, prints '$text'" "$rc: $out $err"
}
# 3: the device answered, not with 2.xx; 4: it did not answer
FAKE_GENL_COAP=notfound outcome 3 '4.04 Not Found (piggybacked, 1 transmission, 5 ms)' \
	coap request get coap://10.0.0.2/x
FAKE_GENL_COAP=unavailable outcome 3 '5.03 Service Unavailable (separate, 2 transmissions, 2100 ms, format 0, max-age 30)
busy' coap request post coap://10.0.0.2/x payload 1
FAKE_GENL_COAP=timeout outcome 4 'timeout (5 transmissions, 15502 ms, not acknowledged)' \
	coap request get coap://10.0.0.2/x
FAKE_GENL_COAP=timeout-acked outcome 4 'timeout (1 transmission, 93000 ms, acknowledged)' \
	coap request get coap://10.0.0.2/x
FAKE_GENL_COAP=reset outcome 4 'reset (2 transmissions, 2010 ms)' \
	coap request get coap://10.0.0.2/x
FAKE_GENL_COAP=unreachable outcome 4 'unreachable (1 transmission, 3 ms)' \
	coap request get 'coap://[fd00::9]/x'
FAKE_GENL_COAP=status9 outcome 4 'status 9 (1 transmission, 1 ms)' \
	coap request get coap://10.0.0.2/x
# no result: the wait ends TIMEOUT + 5 s after the request, exit 1
start=$(date +%s%N)
FAKE_GENL_COAP_WHEN=none fake coap request get coap://10.0.0.2/x timeout 100
took=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: coap request: no result from the kernel within 5100 ms' ] &&
	[ -z "$out" ] && [ "$took" -ge 5000 ] && [ "$took" -lt 9000 ]
check $? "coap request gives up 5 s after its timeout, exit 1" "$rc: $err, ${took}ms"
FAKE_GENL_COAP_REPLY=bad fake coap request get coap://10.0.0.2/x
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: coap request: malformed reply from the kernel' ] && [ -z "$out" ]
check $? "coap request: a reply without an id is malformed" "$rc: $out $err"
FAKE_GENL_COAP=nocode fake coap request get coap://10.0.0.2/x
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: coap request: malformed result from the kernel' ] && [ -z "$out" ]
check $? "coap request: a response without a code is malformed" "$rc: $out $err"

# json WANT_PYTHON_EXPR ARGS...: valid JSON for which the expression holds
json() {
	local expr=$1
	shift
	fake "$@"
	[ "$rc" = 0 ] && [ -z "$err" ] &&
		echo "$out" | python3 -m json.tool >/dev/null &&
		echo "$out" | python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($expr) else 1)"
	check $? "iotgwctl $* prints JSON where $expr" "$rc: $out $err"
}
if command -v python3 >/dev/null; then
	json 'd == [{"name": "temp", "filter": "sensors/+/temp", "proto": "coap", "hook": "any", "action": "mark", "mark": 16, "per-source": False, "no-rst": False, "prio": 0}, {"name": "limit.v2", "filter": "plant 1/#", "proto": "mqtt", "hook": "fwd", "action": "ratelimit", "skb-priority": 3, "rate": 100, "burst": 200, "per-source": True, "no-rst": False, "prio": 7}]' \
		-j rule show
	json 'd["msgs"] == 10 and d["pending-qos2"] == 3 and d["consumer"] == 4242 and d["credit"] == 256 and d["oldest-ms"] == 1500 and d["dedup-evicted"] == 111' \
		-j queue show
	FAKE_GENL_QUEUE=idle json '"consumer" not in d and "oldest-ms" not in d and d["acked"] == 0' -j queue
	json 'd[0]["stats"] == {"packets": 5, "bytes": 300, "accepted": 0, "dropped": 0, "marked": 5, "ratelimited": 0, "queued": 0, "refused": 0, "duplicates": 0} and d[1]["stats"]["packets"] == 5000000000 and d[1]["stats"]["bytes"] == 2**40' \
		-j -s rule show
	json 'len(d) == 1 and d[0]["name"] == "temp"' -j rule show temp
	json 'd["packets"] == 2000 and d["replies"] == 12000 and d["parse-errors"] == 7000 and d["flows"] == 3 and d["events"] == 13000 and d["events-skipped"] == 14000 and d["coap-requests"] == 20000 and d["coap-results-lost"] == 24000 and d["reasons"] == {"coap: option delta 15": 3, "mqtt: \"odd\" name": 1} and len(d) == 23' \
		-j stats
	json 'list(d.keys()) == ["packets", "bytes", "matched", "unmatched", "unclassified", "parse-errors", "accepted", "dropped", "marked", "ratelimited", "replies", "flows", "events", "events-skipped", "queued", "refused", "duplicates", "coap-requests", "coap-transmissions", "coap-responses", "coap-failures", "coap-results-lost", "reasons"]' \
		-j stats
	json 'd[0] == {"family": "inet", "client": "10.10.1.2", "client-port": 40312, "server": "10.10.2.2", "server-port": 1883, "level": 5, "client-id": "sensor-1", "state": "tracking", "publishes": 3, "bytes": 211, "idle-ms": 1200} and d[1] == {"family": "inet6", "client": "fd00:1::2", "client-port": 51000, "server": "fd00:2::2", "server-port": 1883, "level": 4, "client-id": "door \"7\"\\", "state": "malformed", "publishes": 5000000000, "bytes": 2**40, "idle-ms": 0}' \
		-j flow show
	json 'len(d) == 4 and d[2]["client-id"] == "" and d[2]["level"] == 0 and d[2]["state"] == "lost-sync" and d[2]["idle-ms"] == 2**32 - 1 and d[3]["client-id"] == "a\nb\ufffd\u00e9\ufffd" and d[3]["state"] == 9 and d[3]["server-port"] == 8883' \
		-j flow show
	FAKE_GENL_FLOWS=none json 'd == []' -j flow show
	json 'd == {"version": "9.8.7-fake", "coap-port": 5683, "mqtt-port": 1883, "max-rules": 10000, "flow-max": 4096, "flow-idle-ms": 60000, "queue-max-bytes": 1048576, "queue-max-msgs": 1024, "coap-ack-timeout-ms": 2000, "coap-ack-random-factor": 150, "coap-max-retransmit": 4, "coap-nstart": 1, "coap-requests-max": 1024, "device-max": 4096, "confirm-timeout-ms": 60000, "queue-batch": 256}' \
		-j config show
	json 'd["iotgw"] == "9.8.7-fake" and "iotgwctl" in d' -j version
	json 'd["coap-ack-timeout-ms"] == 2000 and d["coap-ack-random-factor"] == 150 and d["coap-max-retransmit"] == 4 and d["coap-nstart"] == 1 and d["coap-requests-max"] == 1024 and d["device-max"] == 4096' \
		-j config show
	json 'd == [{"family": "inet", "addr": "10.10.1.2", "port": 36944, "proto": "coap", "topic": "sensors/kitchen/temp", "packets": 42, "age_ms": 1200}, {"family": "inet6", "addr": "fd00:1::2", "port": 5683, "proto": "coap", "topic": "door/7", "packets": 5000000000, "age_ms": 0}, {"family": "inet", "addr": "10.10.1.3", "port": 1024, "proto": 9, "topic": "a \"q\"\n\ufffd", "packets": 1, "age_ms": 2**32 - 1}]' \
		-j device show
	FAKE_GENL_DEVICES=none json 'd == []' -j device
	json 'd == {"id": 7, "mid": 4660, "token": "a1b2c3d4e5f60718", "status": "response", "transmissions": 1, "elapsed_ms": 12, "acked": True, "code": "2.05", "code_name": "Content", "separate": False, "content_format": 0, "payload": "22.5 C"}' \
		-j coap request get coap://10.0.0.2/x
	json 'list(d.keys()) == ["id", "mid", "token", "cookie", "status", "transmissions", "elapsed_ms", "acked", "code", "code_name", "separate", "content_format", "payload"] and d["cookie"] == 2**64 - 1' \
		-j coap request get coap://10.0.0.2/x cookie 0xffffffffffffffff
	FAKE_GENL_COAP=changed json 'd["separate"] is True and d["max_age"] == 60 and d["payload"] == "stored\n" and d["code"] == "2.04" and d["code_name"] == "Changed" and d["transmissions"] == 3' \
		-j coap request put coap://10.0.0.2/x payload 1
	FAKE_GENL_COAP=binary json 'd["payload_hex"] == "00ff100a" and "payload" not in d and d["content_format"] == 42' \
		-j coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP=text json 'd["payload"] == "caf\u00e9 \"q\"\\\n\tend" and d["max_age"] == 2**32 - 1 and "payload_hex" not in d' \
		-j coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP=empty json '"payload" not in d and "payload_hex" not in d and "content_format" not in d and "max_age" not in d and "cookie" not in d' \
		-j coap request delete coap://10.0.0.2/x
	FAKE_GENL_COAP=unnamed json 'd["code"] == "2.07" and "code_name" not in d' \
		-j coap request get coap://10.0.0.2/x
	# json_exit STATUS EXPR ARGS...: as json, exiting STATUS
	json_exit() {
		local want=$1 expr=$2
		shift 2
		fake "$@"
		[ "$rc" = "$want" ] && [ -z "$err" ] &&
			echo "$out" | python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($expr) else 1)"
		check $? "iotgwctl $* exits $want, prints JSON where $expr" "$rc: $out $err"
	}
	FAKE_GENL_COAP=notfound json_exit 3 'd["status"] == "response" and d["code"] == "4.04" and d["code_name"] == "Not Found" and "payload" not in d' \
		-j coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP=timeout json_exit 4 'd == {"id": 7, "mid": 4660, "token": "a1b2c3d4e5f60718", "status": "timeout", "transmissions": 5, "elapsed_ms": 15502, "acked": False}' \
		-j coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP=timeout-acked json_exit 4 'd["status"] == "timeout" and d["acked"] is True' \
		-j coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP=reset json_exit 4 'd["status"] == "reset" and "code" not in d and "separate" not in d' \
		-j coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP=unreachable json_exit 4 'd["status"] == "unreachable" and d["elapsed_ms"] == 3' \
		-j coap request get coap://10.0.0.2/x cookie 9
	FAKE_GENL_COAP=status9 json_exit 4 'd["status"] == 9' -j coap request get coap://10.0.0.2/x
fi

# refusals: the kernel's errno text and its extack message, exit 1
FAKE_GENL_ERROR='17:rule "r1" exists' fake rule add r1 filter a action drop
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: rule add: File exists: rule "r1" exists' ]
check $? "a refusal prints the extack message and exits 1" "$rc: $err"
FAKE_GENL_ERROR='22:mark is required by action mark' fake rule replace r1 filter a action mark
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: rule replace: Invalid argument: mark is required by action mark' ]
check $? "rule replace: extack message" "$rc: $err"
FAKE_GENL_ERROR='1:' fake stats reset
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: stats reset: Operation not permitted' ]
check $? "a refusal without extack prints the errno text" "$rc: $err"
FAKE_GENL_ERROR='34:max-rules: 0 is out of range' fake config set max-rules 0
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: config set: Numerical result out of range: max-rules: 0 is out of range' ]
check $? "config set: extack message" "$rc: $err"
fake rule show nosuch
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: rule show: No such file or directory: no rule of that name' ] &&
	[ -z "$out" ]
check $? "rule show NAME of no rule exits 1" "$rc: $err"
fake -j rule show nosuch
[ "$rc" = 1 ] && [ -z "$out" ]
check $? "-j rule show NAME of no rule prints no JSON" "$rc: $out"
FAKE_GENL_DONE_ERROR='90:dump cut short' fake -j rule show
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: rule show: Message too long: dump cut short' ] &&
	[ -z "$out" ]
check $? "an error at the end of a dump fails it" "$rc: $out $err"

FAKE_GENL_DONE_ERROR='90:dump cut short' fake -j flow show
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: flow show: Message too long: dump cut short' ] &&
	[ -z "$out" ]
check $? "an error at the end of the flow dump fails it" "$rc: $out $err"
FAKE_GENL_ERROR='28:too many requests waiting' fake coap request get coap://10.0.0.2/x
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: coap request: No space left on device: too many requests waiting' ] &&
	[ -z "$out" ]
check $? "coap request: a refusal prints the extack message and exits 1" "$rc: $out $err"
FAKE_GENL_ERROR='1:' fake -j coap request get coap://10.0.0.2/x timeout 100
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: coap request: Operation not permitted' ] && [ -z "$out" ]
check $? "coap request: a refusal without extack prints the errno text" "$rc: $out $err"
FAKE_GENL_DONE_ERROR='90:dump cut short' fake -j device show
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: device show: Message too long: dump cut short' ] &&
	[ -z "$out" ]
check $? "an error at the end of the device dump fails it" "$rc: $out $err"
FAKE_GENL_DEVICES=bad fake -j device show
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: device show: malformed reply from the kernel' ] &&
	[ -z "$out" ]
check $? "a device with a 16-byte IPv4 address is a malformed reply" "$rc: $out $err"
FAKE_GENL_ERROR='1:' fake flow show
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: flow show: Operation not permitted' ] && [ -z "$out" ]
check $? "a refused flow dump exits 1" "$rc: $out $err"
FAKE_GENL_FLOWS=bad fake -j flow show
[ "$rc" = 1 ] && [ "$err" = 'iotgwctl: flow show: malformed reply from the kernel' ] &&
	[ -z "$out" ]
check $? "a flow with 16-byte IPv4 addresses is a malformed reply" "$rc: $out $err"

# batch files on the fake family: one connection, stop at the first failure
cat >"$tmp/rules.batch" <<'EOF'
# the sensors
rule add temp filter sensors/+/temp proto coap action mark mark 0x10

rule add plant filter "plant 1/#" action ratelimit rate 100 per-source
   # indented comment
rule add all filter # action accept prio 1
EOF
fake -batch "$tmp/rules.batch"
[ "$rc" = 0 ] && [ "$(cat "$log")" = 'cmd 3 RULE { NAME="temp" FILTER="sensors/+/temp" PROTO=1 ACTION=3 MARK=16 }
cmd 3 RULE { NAME="plant" FILTER="plant 1/#" ACTION=4 RATE=100 FLAGS=1 }
cmd 3 RULE { NAME="all" FILTER="#" ACTION=1 PRIORITY=1 }' ]
check $? "a batch file sends each line's request" "$rc: $(cat "$log") $err"
fake -batch - <<<"$(printf '%s\n' "${r1#rule }" "${r2#rule }" | sed 's/^/rule add /')"
[ "$rc" = 0 ] && [ "$(cat "$log")" = 'cmd 3 RULE { NAME="temp" FILTER="sensors/+/temp" PROTO=1 HOOK=0 ACTION=3 MARK=16 PRIORITY=0 }
cmd 3 RULE { NAME="limit.v2" FILTER="plant 1/#" PROTO=2 HOOK=2 ACTION=4 SKB_PRIORITY=3 RATE=100 BURST=200 PRIORITY=7 FLAGS=1 }' ]
check $? "rule show lines read back as rule add arguments" "$rc: $(cat "$log") $err"
printf 'rule flush\nrule add a filter x action drop\nrule add b filter y action drop\n' >"$tmp/fail.batch"
FAKE_GENL_ERROR='28:too many rules' fake -batch "$tmp/fail.batch"
[ "$rc" = 1 ] && [ "$err" = "iotgwctl: $tmp/fail.batch:1: rule flush: No space left on device: too many rules" ] &&
	[ "$(wc -l <"$log")" = 1 ]
check $? "a batch stops at the first refusal, naming FILE:LINE" "$rc: $err"
printf 'rule flush\nrule add a filter x action drop bogus\nrule flush\n' >"$tmp/fail2.batch"
fake -batch "$tmp/fail2.batch"
[ "$rc" = 2 ] && [ "$err" = "iotgwctl: $tmp/fail2.batch:2: rule add: \"bogus\" is not a keyword; try \"iotgwctl help\"" ] &&
	[ "$(cat "$log")" = 'cmd 6' ]
check $? "a batch stops at a usage error after running the lines before" "$rc: $err"
printf 'stats\nrule show\nflow show\n' >"$tmp/json.batch"
fake -j -batch "$tmp/json.batch"
[ "$rc" = 0 ] && [ "$(echo "$out" | wc -l)" = 3 ] &&
	echo "$out" | while read -r doc; do echo "$doc" | python3 -m json.tool >/dev/null || exit 1; done
check $? "-j -batch prints one JSON document per command" "$rc: $out"

printf 'coap request get coap://10.0.0.2/a\nstats\ncoap request non put coap://[fd00::2]/b payload x timeout 1000\ndevice\n' >"$tmp/coap.batch"
fake -j -batch "$tmp/coap.batch"
[ "$rc" = 0 ] && [ "$(echo "$out" | wc -l)" = 4 ] &&
	echo "$out" | while read -r doc; do echo "$doc" | python3 -m json.tool >/dev/null || exit 1; done &&
	[ "$(cat "$log")" = 'cmd 1
cmd 18 COAP_REQ { ADDR=10.0.0.2 PORT=5683 TYPE=0 METHOD=1 PATH="a" }
cmd 7
cmd 18 COAP_REQ { ADDR=fd00::2 PORT=5683 TYPE=1 METHOD=3 PATH="b" PAYLOAD="x" TIMEOUT_MS=1000 }
cmd 20 dump' ]
check $? "-j -batch: coap requests between other commands, one JSON document each" "$rc: $out $(cat "$log")"
printf 'coap request get coap://10.0.0.2/a timeout 100\nrule flush\n' >"$tmp/coapfail.batch"
FAKE_GENL_COAP=timeout fake -batch "$tmp/coapfail.batch"
[ "$rc" = 4 ] && [ "$out" = 'timeout (5 transmissions, 15502 ms, not acknowledged)' ] && [ -z "$err" ] &&
	[ "$(cat "$log")" = 'cmd 18 COAP_REQ { ADDR=10.0.0.2 PORT=5683 TYPE=0 METHOD=1 PATH="a" TIMEOUT_MS=100 }' ]
check $? "a batch stops at a coap request without a response, with its status" "$rc: $out $err"
printf 'coap request get coap://10.0.0.2:99999/a\n' >"$tmp/coapbad.batch"
fake -batch "$tmp/coapbad.batch"
[ "$rc" = 2 ] && [ "$err" = "iotgwctl: $tmp/coapbad.batch:1: coap request: bad URI \"coap://10.0.0.2:99999/a\": port \"99999\" is not a number from 1 to 65535" ] &&
	[ ! -s "$log" ]
check $? "a batch names FILE:LINE of a bad URI" "$rc: $err"

# no leaks or bad reads on the main paths
if command -v valgrind >/dev/null; then
	vg() {
		LD_PRELOAD=$fake FAKE_GENL_LOG=$log valgrind -q --leak-check=full \
			--errors-for-leak-kinds=definite,indirect,possible \
			--error-exitcode=9 "$ctl" "$@" >/dev/null 2>"$tmp/vg"
		rc=$?
		[ "$rc" -le 4 ]		# 9: valgrind found something (4: coap request)
		check $? "valgrind: iotgwctl $* is clean" "exit $rc: $(grep -m3 '==' "$tmp/vg")"
	}
	vg rule add r1 filter 'a/#' proto coap action mark mark 0x10 per-source prio 3
	vg rule add r1 filter a action mark mark 99999999999
	vg -s rule show
	vg -j -s rule show
	vg -j stats
	vg stats
	vg flow show
	vg -j flow show
	FAKE_GENL_FLOWS=bad vg -j flow show
	vg -j config show
	vg config set coap-port 5684 max-rules 100
	vg -batch "$tmp/rules.batch"
	vg -batch "$tmp/fail2.batch"
	vg -batch "$tmp/quote.batch"
	FAKE_GENL_ERROR='22:bad filter' vg rule add r1 filter a action drop
	FAKE_GENL_DONE_ERROR='90:cut' vg -j rule show
	vg coap request get coap://10.0.0.2/x
	vg -j coap request non put 'coap://[fd00::2]:61616/a/%C3%A9' payload on format json timeout 2000 cookie 1
	FAKE_GENL_COAP=binary vg -j coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP=text vg coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP=timeout vg -j coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP_WHEN=first vg coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP_WHEN=other vg -j coap request get coap://10.0.0.2/x
	FAKE_GENL_COAP=nocode vg coap request get coap://10.0.0.2/x
	FAKE_GENL_ERROR='28:full' vg coap request get coap://10.0.0.2/x
	vg coap request get coap://10.0.0.2:0/x
	vg -batch "$tmp/coap.batch"
	vg device show
	vg -j device show
	FAKE_GENL_DEVICES=bad vg -j device show
	valgrind -q --leak-check=full --error-exitcode=9 "$ctl" rule show \
		>/dev/null 2>"$tmp/vg"
	rc=$?
	[ "$rc" -le 2 ]
	check $? "valgrind: iotgwctl rule show without the family is clean" \
		"exit $rc: $(grep -m3 '==' "$tmp/vg")"
else
	echo "# valgrind is not installed: not checking for leaks"
fi
tap_done
