#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# MQTT to and through the gateway, IPv4 and IPv6, MQTT 3.1.1 and 5, with
# real peers (mosquitto brokers in the gateway and the cloud, mosquitto_pub
# and mosquitto_sub) and a publisher that shapes the stream (mqtt_send):
# every PUBLISH is classified exactly once wherever it sits in the TCP
# stream, each action does what it says, connections are listed while
# open and forgotten when closed, and the counters move exactly.
#
# What is counted: a rule's "packets" and the global matched/unmatched
# count PUBLISH packets, not segments, in both directions of a followed
# connection: a message that a subscriber behind the gateway receives is
# counted again on its way down. The cloud-side subscriber talks to its
# own broker and is never seen by the gateway.
. "$(dirname "$0")/lib.sh"
send=$(cd "$(dirname "$0")" && pwd)/mqtt_send

iotgw_load
topo_up
trap mqtt_down EXIT
iotgw_tmp
tmp=$IOTGW_TMP
mqtt_broker "$C"
mqtt_broker "$G"

field() { echo "$1" | awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'; }

# pub NS ARGS...: mqtt_send in NS; its line in $out
pub() {
	local ns=$1

	shift
	out=$(in_ns "$ns" "$send" -w 10000 "$@") || fail "mqtt_send $*: cannot connect"
}

# acked WHAT N ARGS...: N QoS 1 PUBLISH from the sensor, each acked
acked() {
	local what=$1 n=$2

	shift 2
	pub "$S" -q 1 -n "$n" "$@"
	expect_eq "$what" "$out" "sent $n acked $n connack 0 reset 0"
}

# sub_start NS OUT ARGS...: mosquitto_sub in the background, each message
# as a line "MSG topic payload" in OUT; returns once it is subscribed.
# Its PID in SUB_PID.
sub_start() {
	local ns=$1 out=$2 i

	shift 2
	bg_ns "$ns" "$out" stdbuf -oL mosquitto_sub -d -F 'MSG %t %p' "$@"
	SUB_PID=$BG_PID
	for i in $(seq 50); do
		grep -q 'received SUBACK' "$out" && return 0
		sleep 0.2
	done
	cat "$out" >&2
	fail "mosquitto_sub $* did not subscribe within 10 s"
}

# sub_done WHAT PID OUT WANT: the subscriber ended by itself (-C reached),
# and received WANT: its messages' topics sorted and counted, one
# "N topic" a line joined with ", "
sub_done() {
	local got

	wait "$2"
	expect_eq "$1: mosquitto_sub exit status" "$?" 0
	got=$(sed -n 's/^MSG \([^ ]*\) .*/\1/p' "$3" | sort | uniq -c |
		awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
	expect_eq "$1: messages received" "$got" "$4"
}

# flow_line WHAT REGEX: within 6 s, iotgwctl flow show has a line
# matching REGEX
flow_line() {
	local i

	for i in $(seq 30); do
		in_ns "$G" iotgwctl flow show 2>/dev/null | grep -qE -- "$2" && break
		sleep 0.2
	done
	in_ns "$G" iotgwctl flow show | grep -qE -- "$2" || {
		in_ns "$G" iotgwctl flow show >&2
		fail "$1: no line of iotgwctl flow show matches /$2/"
	}
	echo "ok: $1"
}

matched=0 unmatched=0
# The global counters, as this script has counted them so far.
check_global() {
	expect_eq "matched, $1" "$(gw_stat matched)" "$matched"
	expect_eq "unmatched, $1" "$(gw_stat unmatched)" "$unmatched"
	expect_eq "parse-errors, $1" "$(gw_stat parse-errors)" "$parse_errors"
}
parse_errors=0
ip4='10\.10\.1\.2:[0-9]+'
ip6='\[fd00:1::2\]:[0-9]+'

expect_eq "flows before any connection" "$(gw_stat flows)" 0

# ---- no rule: acked, counted unmatched ----
acked "no rule, IPv4 forwarded" 2 -i s-none -t nomatch/x 10.10.2.2
unmatched=$((unmatched + 2))
check_global "after 2 PUBLISH no rule matches"
wait_gw_stat flows 0

# ---- accept: IPv4 and IPv6, forwarded and local, MQTT 3.1.1 and 5,
# mqtt_send and mosquitto_pub; the cloud subscriber gets the forwarded ones
gw rule add m-temp filter 'sensors/+/temp' proto mqtt action accept
sub_start "$C" "$tmp/cloud-sub.out" -h 10.10.2.2 -t 'sensors/+/temp' \
	-C 8 -W 120 -i cloud-sub
cloud_sub=$SUB_PID
acked "accept, MQTT 3.1.1, IPv4 forwarded" 3 -l 4 -i s-v4 -t sensors/kitchen/temp 10.10.2.2
acked "accept, MQTT 5, IPv4 forwarded" 3 -l 5 -i s-v5 -t sensors/hall/temp 10.10.2.2
acked "accept, MQTT 5, IPv6 local" 2 -l 5 -i s-v6 -t sensors/attic/temp fd00:1::1
acked "accept, MQTT 3.1.1, IPv6 local" 2 -l 4 -i s-v6b -t sensors/cellar/temp fd00:1::1
in_ns "$S" timeout 20 mosquitto_pub -V mqttv311 -q 1 -h 10.10.2.2 -i pub-311 \
	-t sensors/porch/temp -m v311 || fail "mosquitto_pub -V mqttv311 (IPv4 forwarded)"
in_ns "$S" timeout 20 mosquitto_pub -V mqttv5 -q 1 -h fd00:2::2 -i pub-5 \
	-t sensors/porch/temp -m v5 || fail "mosquitto_pub -V mqttv5 (IPv6 forwarded)"
echo "ok: mosquitto_pub MQTT 3.1.1 (IPv4) and 5 (IPv6), forwarded"
sub_done "cloud subscriber" "$cloud_sub" "$tmp/cloud-sub.out" \
	"3 sensors/hall/temp, 3 sensors/kitchen/temp, 2 sensors/porch/temp"
# 3 + 3 + 2 + 2 from mqtt_send, 1 + 1 from mosquitto_pub
expect_eq "m-temp packets" "$(rule_stat m-temp packets)" 12
expect_eq "m-temp accepted" "$(rule_stat m-temp accepted)" 12
matched=$((matched + 12))
check_global "after the accepted PUBLISH"

# ---- a PUBLISH split across segments, several in one segment: each
# classified once
gw rule add m-split filter 'split/#' proto mqtt action accept
acked "--split 3, IPv4 forwarded" 4 --split 3 -i s-split -t split/a 10.10.2.2
acked "--batch 5, IPv4 forwarded" 10 --batch 5 -i s-batch -t split/b 10.10.2.2
acked "--batch 3 --split 7, MQTT 5, IPv6 local" 6 -l 5 --batch 3 --split 7 \
	-i s-both -t split/c fd00:1::1
pub "$S" -q 0 -n 10 --batch 10 -i s-batch0 -t split/d 10.10.2.2
expect_eq "--batch 10 QoS 0, IPv4 forwarded" "$out" "sent 10 acked 0 connack 0 reset 0"
expect_eq "m-split packets (4 + 10 + 6 + 10)" "$(rule_stat m-split packets)" 30
matched=$((matched + 30))
check_global "after split and batched PUBLISH"

# ---- MQTT 5 topic alias: the PUBLISH with an empty topic and alias 1 are
# decided by the topic the first one bound to it
gw rule add m-alias filter 'aliased/topic' proto mqtt action accept
acked "--alias, IPv4 forwarded" 5 -l 5 --alias -i s-alias -t aliased/topic 10.10.2.2
pub "$S" -l 5 --alias -q 0 -n 3 -i s-alias0 -t aliased/topic fd00:1::1
expect_eq "--alias QoS 0, IPv6 local" "$out" "sent 3 acked 0 connack 0 reset 0"
expect_eq "m-alias packets (5 + 3)" "$(rule_stat m-alias packets)" 8
matched=$((matched + 8))
check_global "after aliased PUBLISH (none unmatched)"

# ---- mark: visible to tc on the gateway's way out, one segment per
# QoS 1 PUBLISH
in_ns "$G" tc qdisc add dev gc root handle 1: prio bands 3 \
	priomap 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 || fail "tc qdisc"
in_ns "$G" tc filter add dev gc parent 1: protocol ip prio 1 handle 0x10 fw \
	flowid 1:1 || fail "tc filter"
gw rule add m-mark filter 'alarms/#' proto mqtt action mark mark 0x10
acked "mark, IPv4 forwarded" 5 -i s-mark -t alarms/smoke 10.10.2.2
sent=$(in_ns "$G" tc -s class show dev gc | awk '/class prio 1:1 / { getline; print $4 }')
expect_eq "segments in the marked class" "$sent" 5
expect_eq "m-mark marked" "$(rule_stat m-mark marked)" 5
matched=$((matched + 5))
check_global "after marked PUBLISH"

# ---- drop: the publisher's connection is reset, a subscriber's
# connection through the gateway stays up and gets what comes next
sub_start "$S" "$tmp/door-watch.out" -h 10.10.2.2 -t 'sensors/#' \
	-C 2 -W 120 -i door-watch
watch=$SUB_PID
wait_gw_stat flows 1
flow_line "the subscriber's connection is listed" \
	"^flow $ip4 -> 10\.10\.2\.2:1883 mqtt 4 client \"door-watch\" state tracking publishes 0 "
gw rule add m-door filter 'sensors/door/#' proto mqtt action drop
pub "$S" -q 1 -n 3 -i door-pub -t sensors/door/7/open 10.10.2.2
expect_eq "drop QoS 1, IPv4 forwarded" "$out" "sent 1 acked 0 connack 0 reset 1"
pub "$S" -q 0 -n 1 -i door-pub0 -t sensors/door/8/open 10.10.2.2
expect_eq "drop QoS 0, IPv4 forwarded: reset" "$(field "$out" reset)" 1
# sensors/door/temp matches sensors/+/temp and sensors/door/#; at the
# second level the literal "door" beats "+"
pub "$S" -l 5 -q 1 -n 1 -i door-pub6 -t sensors/door/temp fd00:1::1
expect_eq "drop sensors/door/temp, MQTT 5, IPv6 local" "$out" \
	"sent 1 acked 0 connack 0 reset 1"
# a reset connection stays listed until its peers are silent for 10 s,
# so that nothing more of it passes, then is forgotten
flow_line "a reset connection lingers in state reset" \
	"^flow $ip6 -> \[fd00:1::1\]:1883 mqtt 5 client \"door-pub6\" state reset "
expect_eq "m-door packets" "$(rule_stat m-door packets)" 3
expect_eq "m-door dropped" "$(rule_stat m-door dropped)" 3
expect_eq "m-temp packets (sensors/door/temp is not its)" "$(rule_stat m-temp packets)" 12
wait_gw_stat flows 1 20
flow_line "the subscriber's connection is still followed" \
	"^flow $ip4 -> 10\.10\.2\.2:1883 mqtt 4 client \"door-watch\" state tracking publishes 0 "
acked "after the drop, IPv4 forwarded" 2 -i s-after -t sensors/kitchen/temp 10.10.2.2
sub_done "subscriber through the gateway" "$watch" "$tmp/door-watch.out" \
	"2 sensors/kitchen/temp"
# 2 up from the publisher, 2 down to the subscriber
expect_eq "m-temp packets (12 + 2 up + 2 down)" "$(rule_stat m-temp packets)" 16
matched=$((matched + 3 + 4))
check_global "after the drops"
wait_gw_stat flows 0

# ---- malformed MQTT: counted by kind, the flow marked, nothing breaks
# A PUBLISH with QoS 3 to the cloud broker (which closes the connection)
pub "$S" --raw '36 05 00 01 61 00 01' -i bad-qos 10.10.2.2
parse_errors=$((parse_errors + 1))
expect_eq "parse-errors after a PUBLISH with QoS 3" "$(gw_stat parse-errors)" "$parse_errors"
# A 5-byte Remaining Length to a peer that keeps the connection open
bg_ns "$S" "$tmp/sink.out" "$send" --listen -n 1 -w 30000 10.10.1.2 1883
sink=$BG_PID
wait_listen "$S" 1883 || fail "mqtt_send --listen in the sensor namespace"
bg_ns "$C" "$tmp/bad-len.out" "$send" --raw '30 ff ff ff ff 01' --hold 300000 \
	-i bad-len 10.10.1.2
bad_len=$BG_PID
parse_errors=$((parse_errors + 1))
wait_gw_stat parse-errors "$parse_errors"
flow_line "the malformed connection is listed" \
	'^flow 10\.10\.2\.2:[0-9]+ -> 10\.10\.1\.2:1883 mqtt 4 client "bad-len" state malformed '
in_ns "$G" iotgwctl stats | grep -q '^reason "mqtt: ' ||
	fail "no per-kind reason line \"mqtt: ...\" in iotgwctl stats"
echo "ok: reason lines: $(in_ns "$G" iotgwctl stats | grep '^reason "mqtt: ' | tr '\n' ' ')"
kill -USR1 "$bad_len"
wait "$bad_len"
expect_eq "the malformed connection's sender" "$(cat "$tmp/bad-len.out")" \
	"sent 0 acked 0 connack 0 reset 0"
wait "$sink"
acked "a new connection after malformed input" 1 -i s-alive -t nomatch/y 10.10.2.2
unmatched=$((unmatched + 1))
check_global "after malformed input"

# ---- flow show: open connections with their client ids, forgotten once
# closed. The connections stay open until the checks are done.
bg_ns "$S" "$tmp/hold1.out" "$send" -l 5 -q 1 -n 2 -i sensor-1 \
	-t sensors/kitchen/temp --hold 300000 10.10.2.2
hold1=$BG_PID
bg_ns "$S" "$tmp/hold2.out" "$send" -l 4 -q 1 -n 1 -i sensor-2 \
	-t nomatch/z --hold 300000 fd00:1::1
hold2=$BG_PID
flow_line "sensor-1 (MQTT 5, IPv4 forwarded) is listed" \
	"^flow $ip4 -> 10\.10\.2\.2:1883 mqtt 5 client \"sensor-1\" state tracking publishes 2 bytes [0-9]+ idle [0-9]+ms\$"
flow_line "sensor-2 (MQTT 3.1.1, IPv6 local) is listed" \
	"^flow $ip6 -> \[fd00:1::1\]:1883 mqtt 4 client \"sensor-2\" state tracking publishes 1 bytes [0-9]+ idle [0-9]+ms\$"
expect_eq "flows with two connections open" "$(gw_stat flows)" 2
expect_eq "lines of flow show" "$(in_ns "$G" iotgwctl flow show | wc -l)" 2
if command -v python3 >/dev/null; then
	in_ns "$G" iotgwctl -j flow show | python3 -c '
import json, sys
d = json.load(sys.stdin)
got = sorted((f["client-id"], f["family"], f["level"], f["state"], f["publishes"]) for f in d)
sys.exit(0 if got == [("sensor-1", "inet", 5, "tracking", 2), ("sensor-2", "inet6", 4, "tracking", 1)] else 1)' ||
		fail "iotgwctl -j flow show: $(in_ns "$G" iotgwctl -j flow show)"
	echo "ok: iotgwctl -j flow show"
fi
# the holds last until told (a slow debug kernel outlasts any fixed time)
kill -USR1 "$hold1" "$hold2"
wait "$hold1"
wait "$hold2"
expect_eq "sensor-1's sender" "$(cat "$tmp/hold1.out")" "sent 2 acked 2 connack 0 reset 0"
expect_eq "sensor-2's sender" "$(cat "$tmp/hold2.out")" "sent 1 acked 1 connack 0 reset 0"
wait_gw_stat flows 0
expect_eq "flow show once all are closed" "$(in_ns "$G" iotgwctl flow show)" ""
matched=$((matched + 2))
unmatched=$((unmatched + 1))
check_global "at the end"
echo "MQTT classification: all checks passed"
