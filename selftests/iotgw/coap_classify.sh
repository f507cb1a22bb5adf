#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# CoAP to and through the gateway, IPv4 and IPv6, with real peers
# (libcoap's coap-server) and a sender that counts the replies: every rule
# action does what it says and the counters move exactly.
. "$(dirname "$0")/lib.sh"
send=$(cd "$(dirname "$0")" && pwd)/coap_send

iotgw_load
topo_up
for ns in $G $C; do
	in_ns "$ns" coap-server-notls >/dev/null 2>&1 &
done
for ns in $G $C; do
	for i in $(seq 50); do
		in_ns "$ns" ss -Hlun 2>/dev/null | grep -q ':5683 ' && break
		sleep 0.2
	done
done

sensor_send() { in_ns "$S" "$send" "$@"; }
field() { echo "$1" | awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'; }

# A confirmable request with no rule is answered by the server.
out=$(sensor_send -c -n 3 -p sensors/none/x 10.10.1.1)
expect_eq "CON to the gateway's server, no rule: acks" "$(field "$out" acks)" 3
expect_eq "unmatched" "$(gw_stat unmatched)" 3
expect_eq "packets" "$(gw_stat packets)" 3

# accept: counted, answered, IPv4 and IPv6, local and forwarded
gw rule add t-accept filter 'sensors/+/temp' proto coap action accept
out=$(sensor_send -c -n 2 -p sensors/kitchen/temp 10.10.1.1)
expect_eq "accept, IPv4 local: acks" "$(field "$out" acks)" 2
out=$(sensor_send -c -n 2 -p sensors/kitchen/temp fd00:2::2)
expect_eq "accept, IPv6 forwarded: acks" "$(field "$out" acks)" 2
expect_eq "t-accept packets" "$(rule_stat t-accept packets)" 4
expect_eq "t-accept accepted" "$(rule_stat t-accept accepted)" 4
expect_eq "matched" "$(gw_stat matched)" 4

# drop: a CON gets a Reset from the gateway, a NON nothing, no-rst nothing
gw rule add t-drop filter 'sensors/door/#' action drop
out=$(sensor_send -c -n 2 -p sensors/door/7/open 10.10.2.2)
expect_eq "drop CON, IPv4 forwarded: resets" "$(field "$out" resets)" 2
expect_eq "drop CON: acks" "$(field "$out" acks)" 0
out=$(sensor_send -n 2 -p sensors/door/7/open fd00:1::1)
expect_eq "drop NON, IPv6 local: replies" "$(field "$out" replies)" 0
expect_eq "t-drop dropped" "$(rule_stat t-drop dropped)" 4
expect_eq "replies (Resets sent)" "$(gw_stat replies)" 2
gw rule add t-quiet filter 'quiet/#' action drop no-rst
out=$(sensor_send -c -n 2 -w 300 -p quiet/x 10.10.1.1)
expect_eq "drop no-rst CON: replies" "$(field "$out" replies)" 0

# The most specific rule decides: sensors/door/temp matches sensors/+/temp
# and sensors/door/#; at the second level the literal "door" beats "+".
out=$(sensor_send -c -n 1 -p sensors/door/temp 10.10.1.1)
expect_eq "sensors/door/temp decided by sensors/door/#: resets" \
	"$(field "$out" resets)" 1

# hook fwd: the same topic to the gateway itself is not covered
gw rule add t-fwd filter 'fwdonly/#' hook fwd action drop
out=$(sensor_send -c -n 1 -p fwdonly/a 10.10.1.1)
expect_eq "hook fwd rule, local request: acks" "$(field "$out" acks)" 1
out=$(sensor_send -c -n 1 -p fwdonly/a 10.10.2.2)
expect_eq "hook fwd rule, forwarded request: resets" "$(field "$out" resets)" 1

# mark: visible to tc on the gateway's way out
in_ns "$G" tc qdisc add dev gc root handle 1: prio bands 3 \
	priomap 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 || fail "tc qdisc"
in_ns "$G" tc filter add dev gc parent 1: protocol ip prio 1 handle 0x10 fw \
	flowid 1:1 || fail "tc filter"
gw rule add t-mark filter 'alarms/#' action mark mark 0x10
out=$(sensor_send -n 5 -w 100 -p alarms/smoke 10.10.2.2)
sleep 0.3
sent=$(in_ns "$G" tc -s class show dev gc | awk '/class prio 1:1 / { getline; print $4 }')
expect_eq "packets in the marked class" "$sent" 5
expect_eq "t-mark marked" "$(rule_stat t-mark marked)" 5

# ratelimit: burst + rate * elapsed pass, the rest are dropped
gw rule add t-rl filter 'burst/#' action ratelimit rate 10 burst 5
out=$(sensor_send -n 40 -w 100 -p burst/x 10.10.1.1)
ms=$(field "$out" elapsed_ms)
passed=$(rule_stat t-rl accepted)
limited=$(rule_stat t-rl ratelimited)
max=$(( 5 + (10 * ms + 999) / 1000 + 1 ))
[ "$passed" -ge 5 ] && [ "$passed" -le "$max" ] ||
	fail "ratelimit: $passed passed in ${ms} ms, want 5..$max"
expect_eq "ratelimit: passed + limited" "$((passed + limited))" 40
echo "ok: ratelimit passed $passed of 40 in ${ms} ms"

# ratelimit per-source: each source address (here the sensor's IPv4 and
# IPv6 ones) has a bucket of its own; a shared one would pass 3 in all
gw rule add t-rls filter 'persrc/#' action ratelimit rate 1 burst 3 per-source
total=0
for dst in 10.10.1.1 fd00:1::1; do
	before=$(rule_stat t-rls accepted)
	out=$(sensor_send -n 10 -w 100 -p persrc/x "$dst")
	ms=$(field "$out" elapsed_ms)
	passed=$(( $(rule_stat t-rls accepted) - before ))
	max=$(( 3 + (ms + 999) / 1000 + 1 ))
	[ "$passed" -ge 3 ] && [ "$passed" -le "$max" ] ||
		fail "per-source ratelimit, to $dst: $passed of 10 passed in ${ms} ms, want 3..$max"
	echo "ok: per-source ratelimit, to $dst: $passed of 10 passed in ${ms} ms"
	total=$((total + passed))
done
expect_eq "per-source: passed + limited" \
	"$((total + $(rule_stat t-rls ratelimited)))" 20

# malformed CoAP is counted by kind and passed on, never crashes
before=$(gw_stat parse-errors)
sensor_send -x 5f0100010203 10.10.1.1 >/dev/null	# token length 15
sensor_send -x 40020001f0 10.10.1.1 >/dev/null	# option delta 15
sensor_send -x 40 10.10.1.1 >/dev/null		# 1 byte
expect_eq "parse errors" "$(( $(gw_stat parse-errors) - before ))" 3
in_ns "$G" iotgwctl stats | grep -q '^reason "coap: ' ||
	fail "no per-kind reason line in iotgwctl stats"

# flush and reset
gw rule flush
gw stats reset
expect_eq "packets after reset" "$(gw_stat packets)" 0
out=$(sensor_send -c -n 1 -p sensors/door/1 10.10.1.1)
expect_eq "after flush, CON answered: acks" "$(field "$out" acks)" 1
echo "CoAP classification: all checks passed"
