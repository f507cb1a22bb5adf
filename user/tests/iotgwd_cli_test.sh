#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iotgwd without a kernel: -t accepts the shipped example and refuses bad
# files (the downlink's keys and [device] sections too) with exit status 2
# and one "FILE:LINE: ..." line naming what is wrong; options, the man
# page and the systemd unit.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
top=$here/../..
d=$top/user/iotgwd/iotgwd
man=$top/user/iotgwd/iotgwd.8
unit=$top/user/iotgwd/iotgwd.service
example=$top/user/iotgwd/iotgwd.conf.example
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {	# check STATUS DESCRIPTION DETAILS
	local desc=${2:0:400}

	[ "$1" = 0 ] || desc="$desc (got $(printf '%s' "$3" | tr '\n' '|'))"
	tap_ok "$1" "$desc"
}

out=$("$d" -t -c "$example" 2>&1)
rc=$?
[ "$rc" = 0 ] && echo "$out" | grep -q 'configuration ok'
check $? "iotgwd -t accepts iotgwd.conf.example" "$rc: $out"

# bad NAME LINE CONTENT: -t refuses it, exit 2, exactly this stderr line
bad() {
	local name=$1 want=$2 file=$tmp/$1.conf err rc

	printf '%b' "$3" >"$file"
	err=$("$d" -t -c "$file" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 2 ] && [ "$err" = "iotgwd: $file:$want" ]
	check $? "iotgwd -t: $name -> exit 2, '$want'" "$rc: $err"
}

head='[gateway]\nid = gw\n[broker cloud]\nhost = h\n'
bad unknown-key '8: rule "temp": unknown key "qoss"' \
	"$head[rule temp]\nfilter = a/b\naction = capture\nqoss = 1\n"
bad missing-key '5: rule "temp": missing "action"' \
	"$head[rule temp]\nfilter = a/b\n"
bad bad-number '5: broker "cloud": "x1883" for "port" is not a number from 1 to 65535' \
	"${head}port = x1883\n"
bad bad-bool '5: broker "cloud": "nope" for "clean-start" is not a boolean (true or false, yes or no, on or off, 1 or 0)' \
	"${head}clean-start = nope\n"
bad unknown-broker '8: rule "temp": unknown broker "clod"' \
	"$head[rule temp]\nfilter = a\naction = capture\nbroker = clod\n"
bad duplicate-section '5: duplicate section [broker cloud] (first at line 3)' \
	"$head[broker cloud]\nhost = i\n"
bad unknown-section '5: unknown section [brokr x] (use [gateway], [spool], [broker NAME], [rule NAME] or [device NAME])' \
	"$head[brokr x]\n"
bad placeholder '8: rule "temp": topic "{gw}/{topic}": unknown placeholder "{gw}" (use {topic}, {gateway}, {proto} or {src})' \
	"$head[rule temp]\nfilter = a\naction = capture\ntopic = {gw}/{topic}\n"
bad ingest-any '6: rule "temp": action "ingest" needs "proto = coap"' \
	"$head[rule temp]\naction = ingest\nfilter = a\n"
bad syntax '5: syntax error: expected "[section]" or "key = value"' \
	"${head}port 1883\n"
bad command-topic '5: broker "cloud": command-topic "cmd/{gateway}": must end with "/#" (what "#" matches is the command'"'"'s path)' \
	"${head}command-topic = cmd/{gateway}\n"
bad mqtt311-reply '6: broker "cloud": command-topic needs reply-topic with mqtt = 3.1.1 (which has no Response Topic)' \
	"${head}mqtt = 3.1.1\ncommand-topic = cmd/{gateway}/#\n"
bad device-address '7: device "door": address "coap://door7.local": not an IPv4 address, nor an IPv6 address in brackets (host names are not resolved)' \
	"$head[device door]\npath = door/#\naddress = coap://door7.local\n"
bad device-path '5: device "door": missing "path"' \
	"$head[device door]\naddress = coap://10.10.1.2\n"

err=$("$d" -t -c "$tmp/none.conf" 2>&1 >/dev/null)
rc=$?
[ "$rc" = 2 ] && [ "$err" = "iotgwd: $tmp/none.conf: No such file or directory" ]
check $? "iotgwd -t: a missing file -> exit 2" "$rc: $err"

err=$("$d" -x 2>&1 >/dev/null)
rc=$?
[ "$rc" = 2 ] && echo "$err" | grep -q '^Usage: iotgwd'
check $? "iotgwd -x -> exit 2 and the usage" "$rc: $err"
err=$("$d" -t extra 2>&1 >/dev/null)
[ $? = 2 ] && echo "$err" | grep -q 'unexpected argument "extra"'
check $? "iotgwd -t extra -> exit 2" "$err"
out=$("$d" -h)
[ $? = 0 ] && echo "$out" | grep -q '^Usage: iotgwd'
check $? "iotgwd -h prints the usage" "$out"
out=$("$d" -V)
echo "$out" | grep -qE '^iotgwd [0-9]+\.[0-9]+\.[0-9]+$'
check $? "iotgwd -V prints its version" "$out"

if command -v groff >/dev/null; then
	warn=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
	[ -z "$warn" ]
	check $? "groff -man -ww: no warnings in iotgwd.8" "$warn"
	text=$(groff -man -Tutf8 -P-cbou "$man" 2>/dev/null)
	missing=
	for w in credit retry-ms host port mqtt client-id keepalive username \
		password-file ca-file cert-file key-file clean-start filter \
		proto action qos broker topic '{topic}' '{gateway}' '{proto}' \
		'{src}' SIGHUP SIGTERM 'EXIT STATUS' QUEUE_BIND QUEUE_ACK \
		QUEUE_NACK QUEUE_UNBIND device-port commands-max command-topic \
		reply-topic command-method command-timeout-ms \
		command-confirmable '[device NAME]' path address '{path}' \
		coap-method coap-status coap-code coap-transmissions coap-error \
		payload_hex COAP_REQUEST COAP_RESULT DEVICE_GET '[spool]' \
		max-bytes max-age sync-interval-ms sync-count drain-rate \
		spool-full drop-qos0 confirm QUEUE_REJECT commits-per-1000; do
		echo "$text" | grep -qF -- "$w" || missing="$missing '$w'"
	done
	[ -z "$missing" ]
	check $? "iotgwd.8 documents every key and signal" "missing:$missing"
else
	echo "# groff is not installed: not checking the man page"
fi

want='Type=simple
ExecStart=/usr/sbin/iotgwd -f -c /etc/iotgw/iotgwd.conf
ExecReload=kill -HUP $MAINPID
Restart=on-failure'
missing=
while read -r line; do
	grep -qxF -- "$line" "$unit" || missing="$missing '$line'"
done <<<"$want"
[ -z "$missing" ]
check $? "iotgwd.service: Type, ExecStart, ExecReload, Restart" "missing:$missing"

tap_done
