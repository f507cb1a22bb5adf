#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iotgwd's durable spool with real peers: CoAP sensors (coap-client,
# coap_send), the gateway with iotgw and iotgwd, a cloud mosquitto with
# mosquitto_sub recording what arrives and when. Readings carry sequence
# numbers; every one the kernel answered 2.04 must reach the cloud.
#  1. power cut: the cloud is down, 30 readings spooled and acked; iotgwd
#     killed with SIGKILL, the kernel's queue flushed and the module
#     reloaded (its memory lost); the cloud back, iotgwd started: all 30
#     arrive, in order.
#  2. drain: with the cloud unreachable 40 readings are spooled; once it
#     is reachable again they arrive without new traffic, at the drain
#     rate (10/s: at least 3 s from the first to the last).
#  3. flash wear: a burst of 250 readings into the spool, its fsyncs counted
#     (commits per 1,000 rows, and the fsync calls strace sees).
#  4. a full spool refuses: a spool of 4 KiB and a kernel queue of 10
#     messages: sensors get 5.03, and every reading answered 2.04 arrives
#     once the cloud is back.
. "$(dirname "$0")/lib.sh"

send=$(cd "$(dirname "$0")" && pwd)/coap_send
iotgw_load
topo_up
# a failed run leaves nothing queued that would keep the module in use
cleanup() { in_ns "$G" iotgwctl queue flush 2>/dev/null; mqtt_down; }
trap cleanup EXIT
iotgw_tmp
T=$IOTGW_TMP
# spool_field CONF NAME: a field of "iotgwd -S"
spool_field() { in_ns "$G" iotgwd -S -c "$1" |
	awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'; }

# conf FILE SPOOL MAX_BYTES DRAIN_RATE
conf() {
	cat >"$1" <<CONF
[gateway]
id = gw1
retry-ms = 200

[spool]
path = $2
max-bytes = $3
sync-interval-ms = 100
sync-count = 64
drain-rate = $4

[broker cloud]
host = 10.10.2.2
port = 1883
mqtt = 5
client-id = iotgw-gw1

[rule readings]
filter = sensors/#
proto = coap
action = ingest
qos = 1
broker = cloud
topic = gw/{gateway}/{proto}/{topic}
CONF
	chmod 644 "$1"
}

# iotgwd_start TAG CONF: iotgwd in the gateway, bound as consumer
iotgwd_start() {
	local i

	bg_ns "$G" "$T/iotgwd.log.$1" iotgwd -f -c "$2"
	IOTGWD_PID=$BG_PID
	for i in $(seq 50); do
		[ -n "$(queue_field credit)" ] && return 0
		sleep 0.2
	done
	cat "$T/iotgwd.log.$1" >&2
	fail "iotgwd did not bind"
}
iotgwd_kill() {
	kill "-${1:-TERM}" "$IOTGWD_PID"
	wait "$IOTGWD_PID" 2>/dev/null
}

cloud_broker() { mqtt_broker_persistent "$C"; CLOUD_PID=$BROKER_PID; }
cloud_down() { kill "$CLOUD_PID"; wait "$CLOUD_PID" 2>/dev/null; }
# probe N: the recorder is subscribed (again) once it hears probe N
probe() {
	local i

	for i in $(seq 50); do
		in_ns "$C" mosquitto_pub -h 127.0.0.1 -q 1 -t gw/probe -m "$1" \
			2>/dev/null
		grep -q "^[0-9.]* gw/probe $1\$" "$T/cloud.txt" && return 0
		sleep 0.2
	done
	fail "the cloud recorder does not hear its probe"
}

# post SEQ PATH: one CoAP reading; prints coap-client's complaint
post() { in_ns "$S" coap-client-notls -B 5 -m post -t 50 \
	-e "{\"seq\":$1}" "coap://10.10.1.1/$2" 2>&1; }
cloud_count() { grep -c -- "$1" "$T/cloud.txt"; }
# wait_cloud PATTERN N [SECONDS]
wait_cloud() {
	local i

	for i in $(seq $(( ${3:-20} * 5 ))); do
		[ "$(cloud_count "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
}
# missing_in_cloud TOPIC FILE: how many seqs listed in FILE the cloud lacks
missing_in_cloud() {
	local i n=0

	while read -r i; do
		grep -q "^[0-9.]* gw/gw1/coap/$1 {\"seq\":$i}\$" "$T/cloud.txt" ||
			{ echo "missing seq $i" >&2; n=$((n + 1)); }
	done <"$2"
	echo "$n"
}
# the seqs of TOPIC in the order they first arrived, one a line
arrival_order() {
	sed -n "s|^[0-9.]* gw/gw1/coap/$1 {\"seq\":\([0-9]*\)}\$|\1|p" \
		"$T/cloud.txt" | awk '!seen[$0]++'
}
wait_queue_empty() {
	local i

	for i in $(seq 50); do
		[ "$(queue_field msgs)" = 0 ] && return 0
		sleep 0.2
	done
	in_ns "$G" iotgwctl queue show >&2
	fail "the kernel queue still holds messages: $1"
}
diagnose() {
	echo "--- iotgwd (last run):" >&2
	tail -n 20 "$(ls -t "$T"/iotgwd.log.* | head -n 1)" >&2
	echo "--- cloud recorder:" >&2
	tail -n 5 "$T/cloud.txt" >&2
	in_ns "$G" iotgwctl queue show >&2
}

# ---- 1: a power cut while the cloud is down ----
conf "$T/a.conf" "$T/spool.db" 1048576 10
iotgwd_start 1 "$T/a.conf"
gw rule show
: >"$T/acked1"
for i in $(seq 1 30); do
	out=$(post "$i" sensors/cut/t)
	[ -z "$out" ] || fail "reading $i: \"$out\""
	echo "$i" >>"$T/acked1"
done
echo "ok: 30 readings answered 2.04 with the cloud down"
wait_queue_empty "spooled readings must be acked"
expect_eq "rows in the spool" "$(spool_field "$T/a.conf" rows)" 30
expect_eq "in flight to iotgwd" "$(queue_field in-flight)" 0
in_ns "$G" iotgwd -S -c "$T/a.conf"
iotgwd_kill KILL
gw queue flush
iotgw_unload
iotgw_load
expect_eq "the kernel queue after the reload" "$(queue_field msgs)" 0
cloud_broker
bg_ns "$C" "$T/cloud.txt" stdbuf -oL mosquitto_sub -h 127.0.0.1 -V 5 -q 1 \
	-c -i cloud-recorder -t 'gw/#' -F '%U %t %p'
probe 1
iotgwd_start 2 "$T/a.conf"
wait_cloud 'gw/gw1/coap/sensors/cut/t' 30 60
missing=$(missing_in_cloud sensors/cut/t "$T/acked1")
[ "$missing" = 0 ] || diagnose
expect_eq "spooled readings lost through SIGKILL and a module reload" \
	"$missing" 0
expect_eq "readings in the order they came" \
	"$(arrival_order sensors/cut/t | tr '\n' ' ')" "$(seq 1 30 | tr '\n' ' ')"
for i in $(seq 25); do
	[ "$(spool_field "$T/a.conf" rows)" = 0 ] && break
	sleep 0.2
done
expect_eq "rows left once the cloud confirmed them" \
	"$(spool_field "$T/a.conf" rows)" 0

# ---- 2: the drain starts by itself and keeps to its rate ----
cloud_down
ip -n "$G" route add prohibit 10.10.2.2/32 || fail "prohibit route"
: >"$T/acked2"
for i in $(seq 100 139); do
	out=$(post "$i" sensors/drain/t)
	[ -z "$out" ] || fail "reading $i: \"$out\""
	echo "$i" >>"$T/acked2"
done
wait_queue_empty "readings spooled while the cloud is unreachable"
expect_eq "rows in the spool" "$(spool_field "$T/a.conf" rows)" 40
cloud_broker
probe 2
# no new traffic from here on: the reconnect alone starts the drain
ip -n "$G" route del prohibit 10.10.2.2/32 || fail "route del"
wait_cloud 'gw/gw1/coap/sensors/drain/t' 40 60
missing=$(missing_in_cloud sensors/drain/t "$T/acked2")
[ "$missing" = 0 ] || diagnose
expect_eq "readings lost in the drain" "$missing" 0
first=$(grep ' gw/gw1/coap/sensors/drain/t ' "$T/cloud.txt" | head -n 1 | cut -d' ' -f1)
last=$(grep ' gw/gw1/coap/sensors/drain/t ' "$T/cloud.txt" | tail -n 1 | cut -d' ' -f1)
spread=$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.2f", b - a }')
awk -v s="$spread" 'BEGIN { exit !(s >= 3.0) }' ||
	fail "40 rows at drain-rate 10 arrived within ${spread} s (at least 3 s expected)"
echo "ok: 40 rows drained at drain-rate 10 over ${spread} s"
expect_eq "readings in the order they came" \
	"$(arrival_order sensors/drain/t | tr '\n' ' ')" "$(seq 100 139 | tr '\n' ' ')"

# ---- 3: flash wear: commits (fsyncs) per 1,000 rows of a burst ----
# (the broker stopped: iotgwd sees its connection close at once)
cloud_down
sleep 1
spooled0=$(spool_field "$T/a.conf" spooled)
commits0=$(spool_field "$T/a.conf" commits)
fsyncs=
if command -v strace >/dev/null; then
	strace -f -qq -e trace=fsync,fdatasync -o "$T/fsync.txt" \
		-p "$IOTGWD_PID" 2>/dev/null &
	STRACE_PID=$!
	sleep 1
fi
# 250: the sender's socket buffer holds that many answers
out=$(in_ns "$S" "$send" -n 250 -c -m post \
	-p sensors/burst/t -w 2000 10.10.1.1)
echo "coap_send: $out"
replies=$(echo "$out" | awk '{ for (i = 1; i < NF; i++) if ($i == "replies") print $(i + 1) }')
[ "${replies:-0}" -ge 200 ] || fail "only ${replies:-0} of 250 burst readings answered"
wait_queue_empty "the burst spooled"
sleep 0.5
if [ -n "${STRACE_PID:-}" ]; then
	kill "$STRACE_PID" 2>/dev/null
	wait "$STRACE_PID" 2>/dev/null
	fsyncs=$(grep -c 'sync(' "$T/fsync.txt")
fi
spooled=$(( $(spool_field "$T/a.conf" spooled) - spooled0 ))
commits=$(( $(spool_field "$T/a.conf" commits) - commits0 ))
[ "$spooled" -ge "$replies" ] ||
	fail "$replies readings answered but only $spooled spooled"
per1000=$(( commits * 1000 / spooled ))
echo "measured: $spooled rows spooled in $commits commits: $per1000 commits per 1,000 rows${fsyncs:+; $fsyncs fsync calls (strace), $(( fsyncs * 1000 / spooled )) per 1,000 rows}"
[ "$commits" -lt $(( spooled / 4 )) ] ||
	fail "$commits commits for $spooled rows: not batched"
cloud_broker
wait_cloud 'gw/gw1/coap/sensors/burst/t' "$spooled" 90
[ "$(cloud_count 'gw/gw1/coap/sensors/burst/t')" -ge "$spooled" ] ||
	{ diagnose; fail "burst: $(cloud_count 'gw/gw1/coap/sensors/burst/t') of $spooled in the cloud"; }
echo "ok: the burst's $spooled rows reached the cloud"
iotgwd_kill TERM

# ---- 4: a full spool refuses: sensors get 5.03, nothing acked is lost ----
conf "$T/c.conf" "$T/small.db" 4096 100
iotgwd_start 3 "$T/c.conf"
cloud_down
gw config set queue-max-msgs 10
: >"$T/acked4"
busy=0
for i in $(seq 400 459); do
	out=$(post "$i" sensors/full/t)
	case "$out" in
	"") echo "$i" >>"$T/acked4" ;;
	5.03*) busy=$((busy + 1)) ;;
	*) fail "reading $i: \"$out\"" ;;
	esac
done
acked=$(wc -l <"$T/acked4")
[ "$busy" -gt 0 ] || fail "no 5.03 with the spool and the queue full"
echo "ok: $busy readings refused with 5.03, $acked answered 2.04"
rows=$(spool_field "$T/c.conf" rows)
[ "$rows" -gt 0 ] && [ "$(spool_field "$T/c.conf" bytes)" -le 4096 ] ||
	fail "spool: $rows rows, $(spool_field "$T/c.conf" bytes) bytes"
[ "$(spool_field "$T/c.conf" refused)" -gt 0 ] || fail "no refusal counted"
in_ns "$G" iotgwd -S -c "$T/c.conf"
cloud_broker
wait_cloud 'gw/gw1/coap/sensors/full/t' "$acked" 90
missing=$(missing_in_cloud sensors/full/t "$T/acked4")
[ "$missing" = 0 ] || diagnose
expect_eq "readings answered 2.04 lost with the spool full" "$missing" 0

# ---- SIGTERM: iotgwd commits and unbinds ----
iotgwd_kill TERM
expect_eq "no consumer after SIGTERM" \
	"$(in_ns "$G" iotgwctl queue show | grep -c 'consumer none')" 1
gw queue flush
mqtt_down
trap - EXIT
kmemleak_check "iotgwd spool"
