#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end confirmation with real peers: libcoap's coap-client posts to
# an ingest rule with confirm cloud; iotgwd forwards to a cloud mosquitto.
# The sensor's 2.04 must come only once the cloud broker has the reading:
# with the broker frozen (SIGSTOP) coap-client is still waiting, and the
# 2.04 arrives once it runs again; with the broker gone the sensor gets
# 5.04 after confirm-timeout-ms, never a 2.04. With confirm store the
# 2.04 means the reading is in iotgwd's spool: none answered so is lost
# through a SIGKILL of iotgwd and the loss of the kernel's memory.
. "$(dirname "$0")/lib.sh"

iotgw_load
topo_up
# a failed run leaves nothing queued that would keep the module in use
cleanup() { in_ns "$G" iotgwctl queue flush 2>/dev/null; mqtt_down; }
trap cleanup EXIT
iotgw_tmp
T=$IOTGW_TMP

mqtt_broker_persistent "$C"
CLOUD_PID=$BROKER_PID
bg_ns "$C" "$T/cloud.txt" stdbuf -oL mosquitto_sub -h 127.0.0.1 -V 5 -q 1 \
	-c -i cloud-recorder -t 'gw/#' -F 'MSG %t %p'
sleep 1

cat >"$T/iotgwd.conf" <<CONF
[gateway]
id = gw1
retry-ms = 2000

[broker cloud]
host = 10.10.2.2
port = 1883
mqtt = 5
keepalive = 60

[rule readings]
filter = sensors/#
proto = coap
action = ingest
qos = 1
confirm = cloud
broker = cloud
topic = gw/{gateway}/{topic}
CONF
chmod 644 "$T/iotgwd.conf"
bg_ns "$G" "$T/iotgwd.log" iotgwd -f -c "$T/iotgwd.conf"
IOTGWD_PID=$BG_PID
for i in $(seq 50); do
	[ -n "$(queue_field credit)" ] && break
	sleep 0.2
done
[ -n "$(queue_field credit)" ] || { cat "$T/iotgwd.log" >&2; fail "iotgwd did not bind"; }
in_ns "$G" iotgwctl rule show | grep -q 'hook in action ingest qos 1 confirm cloud' ||
	fail "the rule's confirm mode: $(in_ns "$G" iotgwctl rule show)"
echo "ok: iotgwd loaded the rule with confirm cloud"
gw config set confirm-timeout-ms 15000

# post SEQ: one reading, waiting up to 30 s; prints coap-client's complaint
post() { in_ns "$S" coap-client-notls -B 30 -m post -t 50 \
	-e "{\"seq\":$1}" "coap://10.10.1.1/sensors/room/temp" 2>&1; }
in_cloud() { grep -c "^MSG gw/gw1/sensors/room/temp {\"seq\":$1}\$" "$T/cloud.txt"; }

# ---- 1: broker up: the 2.04 once the broker has it ----
out=$(post 1)
expect_eq "reading 1: coap-client's answer" "$out" ""
# PUBACK came before the 2.04; the recorder's copy left the broker then
for i in $(seq 25); do
	[ "$(in_cloud 1)" = 1 ] && break
	sleep 0.2
done
expect_eq "reading 1 in the cloud" "$(in_cloud 1)" 1
expect_eq "confirmed separately" "$(queue_field confirmed)" 1

# ---- 2: broker frozen: no 2.04 until it runs again ----
kill -STOP "$CLOUD_PID"
bg_ns "$S" "$T/post2.out" coap-client-notls -B 30 -m post -t 50 \
	-e '{"seq":2}' "coap://10.10.1.1/sensors/room/temp"
post2=$BG_PID
sleep 4
kill -0 "$post2" 2>/dev/null ||
	{ kill -CONT "$CLOUD_PID"; fail "coap-client finished while the broker was frozen: $(cat "$T/post2.out")"; }
expect_eq "sensors waiting while the broker is frozen" "$(queue_field awaiting)" 1
expect_eq "reading 2 in the cloud while it is frozen" "$(in_cloud 2)" 0
echo "ok: no 2.04 while the broker cannot confirm"
kill -CONT "$CLOUD_PID"
wait "$post2"
expect_eq "reading 2: coap-client's answer after the broker woke" \
	"$(cat "$T/post2.out")" ""
expect_eq "reading 2 in the cloud" "$(in_cloud 2)" 1
expect_eq "confirmed" "$(queue_field confirmed)" 2

# ---- 3: broker gone: 5.04 after confirm-timeout-ms ----
gw config set confirm-timeout-ms 3000
kill "$CLOUD_PID"
wait "$CLOUD_PID" 2>/dev/null
start=$SECONDS
out=$(post 3)
elapsed=$((SECONDS - start))
expect_eq "reading 3 with the broker down: coap-client's answer" "$out" "5.04"
[ "$elapsed" -ge 2 ] || fail "5.04 after ${elapsed} s, before confirm-timeout-ms"
echo "ok: 5.04 after ${elapsed} s"
expect_eq "unconfirmed" "$(queue_field unconfirmed)" 1
expect_eq "confirmed, still" "$(queue_field confirmed)" 2
# the reading was not lost either: iotgwd still has it for the broker
mqtt_broker_persistent "$C"
for i in $(seq 200); do
	[ "$(in_cloud 3)" -ge 1 ] && break
	sleep 0.2
done
expect_eq "reading 3 reaches the cloud once the broker is back" "$(in_cloud 3)" 1

kill "$IOTGWD_PID"
wait "$IOTGWD_PID"
expect_eq "iotgwd exit status after SIGTERM" "$?" 0

# ---- 4: confirm store: a 2.04 means on disk, through a power cut ----
# The cloud is down; each reading's 2.04 comes once iotgwd committed it to
# its spool. Right after the last one iotgwd is killed (SIGKILL) and the
# kernel's memory lost (queue flushed, module reloaded): every reading
# answered 2.04 must still reach the cloud.
{
	sed -n '1,/^retry-ms/p' "$T/iotgwd.conf"
	printf '\n[spool]\npath = %s\nsync-interval-ms = 200\nsync-count = 8\n' \
		"$T/spool.db"
	sed -n '/^retry-ms/,$p' "$T/iotgwd.conf" | sed -e '1d' \
		-e 's/^confirm = cloud$/confirm = store/'
} >"$T/store.conf"
chmod 644 "$T/store.conf"
grep -q '^confirm = store$' "$T/store.conf" && grep -q '^\[spool\]$' "$T/store.conf" ||
	fail "store.conf: $(cat "$T/store.conf")"
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null
bg_ns "$G" "$T/iotgwd-store.log" iotgwd -f -c "$T/store.conf"
IOTGWD_PID=$BG_PID
for i in $(seq 50); do
	[ -n "$(queue_field credit)" ] && break
	sleep 0.2
done
in_ns "$G" iotgwctl rule show | grep -q 'hook in action ingest qos 1 confirm store' ||
	fail "the rule's confirm mode: $(in_ns "$G" iotgwctl rule show)"
: >"$T/stored"
for i in $(seq 100 119); do
	out=$(post "$i")
	[ -z "$out" ] || fail "reading $i with confirm store: \"$out\""
	echo "$i" >>"$T/stored"
done
echo "ok: 20 readings answered 2.04 (stored) with the cloud down"
kill -KILL "$IOTGWD_PID"
expect_eq "confirmed separately, once stored" "$(queue_field confirmed)" 22
wait "$IOTGWD_PID" 2>/dev/null
gw queue flush
iotgw_unload
iotgw_load
mqtt_broker_persistent "$C"
bg_ns "$G" "$T/iotgwd-store2.log" iotgwd -f -c "$T/store.conf"
IOTGWD_PID=$BG_PID
for i in $(seq 300); do
	[ "$(grep -c '^MSG gw/gw1/sensors/room/temp {"seq":1[01][0-9]}$' "$T/cloud.txt")" -ge 20 ] &&
		break
	sleep 0.2
done
missing=0
while read -r i; do
	[ "$(in_cloud "$i")" -ge 1 ] || { echo "missing seq $i" >&2; missing=$((missing + 1)); }
done <"$T/stored"
[ "$missing" = 0 ] || tail -n 20 "$T/iotgwd-store2.log" >&2
expect_eq "readings answered 2.04 (stored) lost through SIGKILL and a module reload" \
	"$missing" 0
kill "$IOTGWD_PID"
wait "$IOTGWD_PID"
expect_eq "iotgwd exit status after SIGTERM" "$?" 0
echo "CoAP confirmation: all checks passed"
