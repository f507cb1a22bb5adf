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
for obj in rule stats flow config; do
	"$ctl" "$obj" help | grep -q "^Usage: iotgwctl .*$obj"
	tap_ok $? "iotgwctl $obj help prints that object's usage"
done
[ "$("$ctl" -h)" = "$out" ] && [ "$("$ctl" --help)" = "$out" ]
tap_ok $? "-h and --help print the same usage as help"
words='add replace del show flush filter proto coap mqtt any hook in fwd
	action accept drop mark ratelimit skb-priority rate burst per-source
	no-rst prio stats reset flow config set coap-port mqtt-port max-rules
	flow-max flow-idle-ms queue-max-bytes queue-max-msgs event-rate monitor count
	version -batch -j -s'
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
		'WHICH RULE DECIDES A PACKET' 'BATCH FILES' 'FILE:LINE'; do
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
reason "coap: option delta 15" 3
reason "mqtt: \"odd\" name" 1' stats
same 'version 9.8.7-fake
coap-port 5683
mqtt-port 1883
max-rules 10000
flow-max 4096
flow-idle-ms 60000
queue-max-bytes 1048576
queue-max-msgs 1024' config show
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
same 'queue msgs 10 bytes 1500 pending-qos0 1 pending-qos1 2 pending-qos2 3 in-flight 4 oldest 1500ms
consumer port 4242 credit 256
    admitted 100 refused 101 evicted 102 expired 103 delivered 104 redelivered 105 acked 106 nacked 107 stale-acks 108 flushed 109 duplicates 110 dedup-evicted 111' queue show
FAKE_GENL_QUEUE=idle same 'queue msgs 0 bytes 0 pending-qos0 0 pending-qos1 0 pending-qos2 0 in-flight 0
consumer none
    admitted 0 refused 0 evicted 0 expired 0 delivered 0 redelivered 0 acked 0 nacked 0 stale-acks 0 flushed 0 duplicates 0 dedup-evicted 0' queue
same '' queue flush

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
	json 'd["packets"] == 2000 and d["replies"] == 12000 and d["parse-errors"] == 7000 and d["flows"] == 3 and d["events"] == 13000 and d["events-skipped"] == 14000 and d["reasons"] == {"coap: option delta 15": 3, "mqtt: \"odd\" name": 1} and len(d) == 18' \
		-j stats
	json 'list(d.keys()) == ["packets", "bytes", "matched", "unmatched", "unclassified", "parse-errors", "accepted", "dropped", "marked", "ratelimited", "replies", "flows", "events", "events-skipped", "queued", "refused", "duplicates", "reasons"]' \
		-j stats
	json 'd[0] == {"family": "inet", "client": "10.10.1.2", "client-port": 40312, "server": "10.10.2.2", "server-port": 1883, "level": 5, "client-id": "sensor-1", "state": "tracking", "publishes": 3, "bytes": 211, "idle-ms": 1200} and d[1] == {"family": "inet6", "client": "fd00:1::2", "client-port": 51000, "server": "fd00:2::2", "server-port": 1883, "level": 4, "client-id": "door \"7\"\\", "state": "malformed", "publishes": 5000000000, "bytes": 2**40, "idle-ms": 0}' \
		-j flow show
	json 'len(d) == 4 and d[2]["client-id"] == "" and d[2]["level"] == 0 and d[2]["state"] == "lost-sync" and d[2]["idle-ms"] == 2**32 - 1 and d[3]["client-id"] == "a\nb\ufffd\u00e9\ufffd" and d[3]["state"] == 9 and d[3]["server-port"] == 8883' \
		-j flow show
	FAKE_GENL_FLOWS=none json 'd == []' -j flow show
	json 'd == {"version": "9.8.7-fake", "coap-port": 5683, "mqtt-port": 1883, "max-rules": 10000, "flow-max": 4096, "flow-idle-ms": 60000, "queue-max-bytes": 1048576, "queue-max-msgs": 1024}' \
		-j config show
	json 'd["iotgw"] == "9.8.7-fake" and "iotgwctl" in d' -j version
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

# no leaks or bad reads on the main paths
if command -v valgrind >/dev/null; then
	vg() {
		LD_PRELOAD=$fake FAKE_GENL_LOG=$log valgrind -q --leak-check=full \
			--errors-for-leak-kinds=definite,indirect,possible \
			--error-exitcode=9 "$ctl" "$@" >/dev/null 2>"$tmp/vg"
		rc=$?
		[ "$rc" -le 2 ]		# 9: valgrind found something
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
