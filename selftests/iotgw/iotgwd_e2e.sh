#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end with real peers: CoAP sensors (coap-client) and MQTT sensors
# (mosquitto_pub through the gateway's own broker) in one namespace, the
# gateway with iotgw and iotgwd, a cloud mosquitto with mosquitto_sub
# recording what arrives. Every reading carries a sequence number; every
# one the gateway accepted at QoS 1 or 2 must reach the cloud, QoS 2 once,
# through iotgwd killed with SIGKILL 20 times and a 30 s cloud broker
# outage (fewer rounds on the debug kernel).
. "$(dirname "$0")/lib.sh"

if iotgw_debug_kernel; then
	KILLS=4 STREAM=30 OUTAGE=8
else
	KILLS=20 STREAM=120 OUTAGE=30
fi

iotgw_load
topo_up
trap mqtt_down EXIT
iotgw_tmp
T=$IOTGW_TMP

# ---- the cloud: a broker that keeps sessions across a restart ----
cloud_broker() { mqtt_broker_persistent "$C"; CLOUD_PID=$BROKER_PID; }
cloud_broker
# the recorder: a persistent session, QoS 2, one line per message
bg_ns "$C" "$T/cloud.txt" stdbuf -oL mosquitto_sub -h 127.0.0.1 -V 5 -q 2 \
	-c -i cloud-recorder -t 'gw/#' -F 'MSG %t %q %p|%P|%C'
sleep 1

# ---- the gateway: a local broker for MQTT sensors, iotgwd ----
printf '%s\n' 'listener 1883' 'allow_anonymous true' >"$T/local.conf"
chmod 644 "$T/local.conf"
bg_ns "$G" "$T/local-broker.log" mosquitto -c "$T/local.conf"
cat >"$T/iotgwd.conf" <<CONF
[gateway]
id = gw1
retry-ms = 2000

[broker cloud]
host = 10.10.2.2
port = 1883
mqtt = 5
client-id = iotgw-gw1

[rule readings]
filter = sensors/#
proto = coap
action = ingest
broker = cloud
topic = gw/{gateway}/{proto}/{topic}

[rule plant]
filter = plant/#
proto = mqtt
action = capture
broker = cloud
topic = gw/{gateway}/{proto}/{topic}
CONF
chmod 644 "$T/iotgwd.conf"
iotgwd_start() {
	bg_ns "$G" "$T/iotgwd.log.$1" iotgwd -f -c "$T/iotgwd.conf"
	IOTGWD_PID=$BG_PID
}
iotgwd_start 0
wait_listen "$G" 1883 1 || fail "local broker"
for i in $(seq 50); do
	[ -n "$(queue_field credit)" ] && break
	sleep 0.2
done
[ -n "$(queue_field credit)" ] || { cat "$T"/iotgwd.log.* >&2; fail "iotgwd did not bind"; }
echo "ok: iotgwd loaded its rules and bound as consumer"
gw rule show

# post SEQ PATH [ADDR]: one CoAP reading; prints coap-client's complaint
post() { in_ns "$S" coap-client-notls -B 5 -m post -t 50 \
	-e "{\"seq\":$1}" "coap://${3:-10.10.1.1}/$2" 2>&1; }
# cloud_count PATTERN: lines recorded in the cloud matching PATTERN
cloud_count() { grep -c -- "$1" "$T/cloud.txt"; }
# missing_in_cloud TOPIC FILE: how many seqs listed in FILE the cloud lacks
missing_in_cloud() {
	local i n=0

	while read -r i; do
		grep -q "^MSG gw/gw1/coap/$1 1 {\"seq\":$i}|" "$T/cloud.txt" ||
			{ echo "missing seq $i" >&2; n=$((n + 1)); }
	done <"$2"
	echo "$n"
}
# what to look at when a reading went missing
diagnose() {
	echo "--- iotgwd (last run):" >&2
	tail -n 20 "$(ls -t "$T"/iotgwd.log.* | head -n 1)" >&2
	echo "--- cloud broker:" >&2
	tail -n 20 "$T/mosquitto-$C.log" >&2
	echo "--- cloud recorder:" >&2
	tail -n 5 "$T/cloud.txt" >&2
	in_ns "$G" iotgwctl queue show >&2
}
# wait_cloud PATTERN N [SECONDS]
wait_cloud() {
	local i

	for i in $(seq $(( ${3:-20} * 5 ))); do
		[ "$(cloud_count "$1")" -ge "$2" ] && break
		sleep 0.2
	done
}

# ---- 1: end to end, topic mapping, payload, properties ----
for i in 1 2 3; do
	out=$(post "$i" sensors/room/temp)
	expect_eq "CoAP reading $i answered 2.04 by the kernel" "$out" ""
done
out=$(post 4 sensors/room/temp "[fd00:1::1]")
expect_eq "CoAP reading 4 over IPv6 answered 2.04" "$out" ""
for i in 1 2 3; do
	in_ns "$S" mosquitto_pub -h 10.10.1.1 -q 1 -t plant/line1/pressure \
		-m "q1-$i" || fail "mosquitto_pub QoS 1 $i"
	in_ns "$S" mosquitto_pub -h 10.10.1.1 -q 2 -t plant/line1/valve \
		-m "q2-$i" || fail "mosquitto_pub QoS 2 $i"
done
wait_cloud 'gw/gw1/' 10
expect_eq "CoAP readings in the cloud, topic mapped" \
	"$(cloud_count '^MSG gw/gw1/coap/sensors/room/temp 1 {"seq":[1-4]}')" 4
expect_eq "MQTT QoS 1 readings in the cloud" \
	"$(cloud_count '^MSG gw/gw1/mqtt/plant/line1/pressure 1 q1-')" 3
expect_eq "MQTT QoS 2 readings in the cloud, once each" \
	"$(cloud_count '^MSG gw/gw1/mqtt/plant/line1/valve 2 q2-')" 3
grep '^MSG gw/gw1/coap/sensors/room/temp 1 {"seq":1}' "$T/cloud.txt" |
	grep -q 'src:10.10.1.2' || fail "no src user property: $(head -3 "$T/cloud.txt")"
grep '^MSG gw/gw1/coap/sensors/room/temp 1 {"seq":1}' "$T/cloud.txt" |
	grep -q '|application/json$' || fail "no content type: $(head -3 "$T/cloud.txt")"
echo "ok: MQTT 5 properties: source address and content type"
expect_eq "queue drained" "$(queue_field msgs)" 0

# ---- 2: iotgwd killed with SIGKILL $KILLS times during a stream ----
: >"$T/acked"
(
	for i in $(seq 100 $((99 + STREAM))); do
		[ -z "$(post "$i" sensors/stream/t)" ] && echo "$i" >>"$T/acked"
	done
) &
STREAM_PID=$!
for k in $(seq "$KILLS"); do
	sleep "0.$(( RANDOM % 8 + 2 ))"
	kill -9 "$IOTGWD_PID"
	wait "$IOTGWD_PID" 2>/dev/null
	iotgwd_start "$k"
done
wait "$STREAM_PID"
acked=$(wc -l <"$T/acked")
[ "$acked" -ge $((STREAM * 9 / 10)) ] ||
	fail "only $acked of $STREAM readings were answered 2.04"
wait_cloud 'gw/gw1/coap/sensors/stream/t' "$acked" 60
missing=$(missing_in_cloud sensors/stream/t "$T/acked")
[ "$missing" = 0 ] || diagnose
expect_eq "readings lost through $KILLS SIGKILLs of iotgwd ($acked accepted)" \
	"$missing" 0
echo "ok: duplicates delivered (QoS 1 may duplicate): $(( $(cloud_count 'sensors/stream/t') - acked ))"

# ---- 3: the cloud broker stopped for $OUTAGE s, then restarted ----
kill "$CLOUD_PID"
wait "$CLOUD_PID" 2>/dev/null
: >"$T/acked2"
i=300
end=$((SECONDS + OUTAGE))
while [ "$SECONDS" -lt "$end" ]; do
	[ -z "$(post "$i" sensors/outage/t)" ] && echo "$i" >>"$T/acked2"
	i=$((i + 1))
	sleep 0.5
done
sent=$((i - 300))
expect_eq "readings accepted during the $OUTAGE s the cloud is down" \
	"$(wc -l <"$T/acked2")" "$sent"
held=$(queue_field msgs)
[ "$held" -gt 0 ] || fail "nothing held in the kernel queue during the outage"
echo "ok: the kernel queue holds $held messages while the cloud is down"
cloud_broker
wait_cloud 'gw/gw1/coap/sensors/outage/t' "$sent" 60
missing=$(missing_in_cloud sensors/outage/t "$T/acked2")
[ "$missing" = 0 ] || diagnose
expect_eq "readings lost through a $OUTAGE s cloud outage" "$missing" 0

# ---- 4: a full queue says 5.03, loses nothing, admits again ----
kill "$CLOUD_PID"
wait "$CLOUD_PID" 2>/dev/null
sleep 1
gw config set queue-max-msgs 20
: >"$T/acked3"
busy=0
for i in $(seq 400 429); do
	out=$(post "$i" sensors/full/t)
	case "$out" in
	"") echo "$i" >>"$T/acked3" ;;
	"5.03 queue full") busy=$((busy + 1)) ;;
	*) fail "reading $i: \"$out\"" ;;
	esac
done
[ "$busy" -gt 0 ] || fail "no 5.03 with the queue full"
echo "ok: $busy readings refused with 5.03, $(wc -l <"$T/acked3") accepted"
cloud_broker
wait_cloud 'gw/gw1/coap/sensors/full/t' "$(wc -l <"$T/acked3")" 60
missing=$(missing_in_cloud sensors/full/t "$T/acked3")
[ "$missing" = 0 ] || diagnose
expect_eq "accepted readings lost with the queue full" "$missing" 0
for i in $(seq 50); do
	[ "$(queue_field msgs)" = 0 ] && break
	sleep 0.2
done
out=$(post 500 sensors/full/t)
expect_eq "after the drain a reading is admitted again" "$out" ""

# ---- SIGTERM: iotgwd unbinds ----
kill "$IOTGWD_PID"
wait "$IOTGWD_PID"
expect_eq "iotgwd exit status after SIGTERM" "$?" 0
expect_eq "no consumer after SIGTERM" "$(in_ns "$G" iotgwctl queue show | grep -c 'consumer none')" 1
gw queue flush
mqtt_down
trap - EXIT
kmemleak_check "iotgwd end to end"
