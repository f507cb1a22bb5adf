#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iotgwctl monitor against the module: each classified message (CoAP
# datagrams from a sender, MQTT PUBLISH from mqtt_send to a mosquitto
# broker) and each malformed one becomes one event with its addresses,
# topic, rule and verdict, in text and JSON; events are sampled at the
# namespace's event-rate and the rest counted; joining needs
# CAP_NET_ADMIN.
. "$(dirname "$0")/lib.sh"
coap=$(cd "$(dirname "$0")" && pwd)/coap_send
mqtt=$(cd "$(dirname "$0")" && pwd)/mqtt_send

iotgw_load
topo_up
trap mqtt_down EXIT
iotgw_tmp
tmp=$IOTGW_TMP
mqtt_broker "$C"
in_ns "$G" coap-server-notls >/dev/null 2>&1 &

gw rule add m-temp filter 'sensors/+/temp' action accept
gw rule add m-door filter 'sensors/door/#' proto coap action drop
gw rule add m-alarm filter 'alarms/#' proto mqtt action mark mark 0x10

# mon_start ARGS...: iotgwctl ARGS monitor in the gateway, output in
# $tmp/mon.out, PID in MON_PID; returns once it receives events (probe
# datagrams, unmatched, until the first shows up).
mon_start() {
	local i

	: >"$tmp/mon.out"
	bg_ns "$G" "$tmp/mon.out" iotgwctl "$@" monitor
	MON_PID=$BG_PID
	for i in $(seq 50); do
		in_ns "$S" "$coap" -n 1 -w 0 -p probe/x 10.10.1.1 >/dev/null
		grep -q 'probe/x' "$tmp/mon.out" && break
		sleep 0.2
	done
	grep -q 'probe/x' "$tmp/mon.out" || {
		cat "$tmp/mon.out" >&2
		fail "iotgwctl $* monitor shows no event within 10 s"
	}
	sleep 0.3	# the probes still in flight
}

mon_stop() {
	kill "$MON_PID" 2>/dev/null
	wait "$MON_PID" 2>/dev/null
}

# mon_line WHAT REGEX: within 3 s one line of the monitor matches REGEX
mon_line() {
	local i

	for i in $(seq 15); do
		grep -qE -- "$2" "$tmp/mon.out" && break
		sleep 0.2
	done
	grep -qE -- "$2" "$tmp/mon.out" || {
		cat "$tmp/mon.out" >&2
		fail "$1: no monitor line matches /$2/"
	}
	echo "ok: $1"
}

# mon_count REGEX: how many lines of the monitor match REGEX
mon_count() {
	grep -cE -- "$1" "$tmp/mon.out"
}

# ---- text output, CoAP and MQTT, IPv4 and IPv6, local and forwarded
mon_start
ip4='10\.10\.1\.2:[0-9]+'
in_ns "$S" "$coap" -c -n 1 -m post -p sensors/kitchen/temp 10.10.1.1 >/dev/null
mon_line "CoAP CON POST accepted, IPv4 local" \
	"^coap in $ip4 -> 10\.10\.1\.1:5683 con POST topic \"sensors/kitchen/temp\" rule m-temp accepted len [0-9]+\$"
in_ns "$S" "$coap" -n 1 -m put -p sensors/door/3 fd00:2::2 >/dev/null
mon_line "CoAP NON PUT dropped, IPv6 forwarded" \
	"^coap fwd \[fd00:1::2\]:[0-9]+ -> \[fd00:2::2\]:5683 non PUT topic \"sensors/door/3\" rule m-door dropped len [0-9]+\$"
in_ns "$S" "$coap" -n 1 -m get -p nothing/here 10.10.2.2 >/dev/null
mon_line "CoAP NON GET unmatched, IPv4 forwarded" \
	"^coap fwd $ip4 -> 10\.10\.2\.2:5683 non GET topic \"nothing/here\" unmatched len [0-9]+\$"
# a header with token length 9: malformed, with its reason
in_ns "$S" "$coap" -x '49 01 00 01' 10.10.1.1 >/dev/null
mon_line "malformed CoAP, with its reason" \
	"^coap in $ip4 -> 10\.10\.1\.1:5683 malformed reason \"coap: [^\"]+\" len 4\$"
out=$(in_ns "$S" "$mqtt" -q 1 -n 2 -i mon-pub -t alarms/smoke 10.10.2.2)
expect_eq "mqtt_send, marked" "$out" "sent 2 acked 2 connack 0 reset 0"
mon_line "MQTT PUBLISH marked, IPv4 forwarded" \
	"^mqtt fwd $ip4 -> 10\.10\.2\.2:1883 qos 1 topic \"alarms/smoke\" rule m-alarm marked len [0-9]+\$"
expect_eq "marked PUBLISH events" "$(mon_count 'topic "alarms/smoke"')" 2
out=$(in_ns "$S" "$mqtt" -l 5 -q 0 -n 1 -i mon-pub6 -t sensors/hall/temp fd00:2::2)
expect_eq "mqtt_send MQTT 5, IPv6" "$out" "sent 1 acked 0 connack 0 reset 0"
mon_line "MQTT 5 PUBLISH accepted, IPv6 forwarded" \
	"^mqtt fwd \[fd00:1::2\]:[0-9]+ -> \[fd00:2::2\]:1883 qos 0 topic \"sensors/hall/temp\" rule m-temp accepted len [0-9]+\$"
mon_stop
events=$(in_ns "$G" iotgwctl stats | awk '$1 == "events" { print $2 }')
[ "$events" -ge 7 ] || fail "events counter: got $events, want at least 7"
echo "ok: events counted ($events)"

# ---- JSON: one object per line, and count N ends the monitor
in_ns "$G" iotgwctl -j monitor count 2 >"$tmp/mon.json" &
jpid=$!
for i in $(seq 50); do
	in_ns "$S" "$coap" -c -n 1 -m post -p sensors/attic/temp 10.10.1.1 >/dev/null
	[ "$(wc -l <"$tmp/mon.json")" -ge 2 ] && break
	sleep 0.2
done
wait "$jpid"
expect_eq "iotgwctl -j monitor count 2: exit status" "$?" 0
expect_eq "iotgwctl -j monitor count 2: lines" "$(wc -l <"$tmp/mon.json")" 2
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    want = {"proto": "coap", "hook": "in", "family": "inet", "src": "10.10.1.2",
            "dst": "10.10.1.1", "dst-port": 5683, "coap-type": "con",
            "coap-code": "POST", "topic": "sensors/attic/temp",
            "rule": "m-temp", "verdict": "accepted"}
    bad = {k: e.get(k) for k in want if e.get(k) != want[k]}
    if bad or not isinstance(e.get("len"), int):
        sys.exit("unexpected event %s (%s)" % (line.strip(), bad))
' "$tmp/mon.json" || fail "iotgwctl -j monitor: $(cat "$tmp/mon.json")"
echo "ok: iotgwctl -j monitor"

# ---- sampling: at most event-rate events a second, the rest counted
gw config set event-rate 5
mon_start
before_sent=$(in_ns "$G" iotgwctl stats | awk '$1 == "events" { print $2 }')
before_skip=$(in_ns "$G" iotgwctl stats | awk '$1 == "events-skipped" { print $2 }')
in_ns "$S" "$coap" -n 40 -w 0 -p sensors/burst/temp 10.10.1.1 >/dev/null
sleep 1
mon_stop
sent=$(( $(in_ns "$G" iotgwctl stats | awk '$1 == "events" { print $2 }') - before_sent ))
skipped=$(( $(in_ns "$G" iotgwctl stats | awk '$1 == "events-skipped" { print $2 }') - before_skip ))
expect_eq "40 messages: events sent + skipped" "$((sent + skipped))" 40
[ "$sent" -ge 1 ] && [ "$sent" -le 10 ] ||
	fail "event-rate 5: $sent of 40 events sent, want 1 to 10"
expect_eq "events the monitor printed" "$(mon_count 'sensors/burst/temp')" "$sent"
echo "ok: event-rate 5: $sent sent, $skipped skipped"
gw config set event-rate 0
in_ns "$S" "$coap" -n 3 -w 0 -p sensors/off/temp 10.10.1.1 >/dev/null
expect_eq "event-rate 0: events sent" \
	"$(( $(in_ns "$G" iotgwctl stats | awk '$1 == "events" { print $2 }') - before_sent - sent ))" 0

# ---- privileges: an unprivileged user may not listen
err=$(in_ns "$G" setpriv --reuid=65534 --regid=65534 --clear-groups \
	iotgwctl monitor count 1 2>&1)
rc=$?
expect_eq "unprivileged monitor: exit status" "$rc" 1
echo "$err" | grep -q 'CAP_NET_ADMIN' ||
	fail "unprivileged monitor: \"$err\" does not name CAP_NET_ADMIN"
echo "ok: unprivileged monitor refused: $err"
echo "monitor: all checks passed"
