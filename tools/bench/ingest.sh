#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# CoAP ingest on the gateway, side by side, interleaved, in the VM:
#  1. answering confirmable POSTs: iotgw's ingest (the kernel answers,
#     queue_drain acks the queue) against libcoap's coap-server;
#  2. end to end into a cloud mosquitto: iotgw + iotgwd against a
#     libcoap + libmosquitto bridge (build/bench/coap_bridge), both
#     publishing QoS 1.
# The load (coap_load, closed loop, many sockets) and everything on the
# gateway side share CPU 1. Prints markdown on stdout.
. "$IOTGW_TOP/selftests/iotgw/lib.sh"
. "$IOTGW_TOP/tools/bench/lib.sh"

SECONDS_EACH=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
SENSORS=64
GW=10.10.1.1

bench_unload
topo_up
trap mqtt_down EXIT
iotgw_tmp
T=$IOTGW_TMP
mqtt_broker "$C"
sleep 0.5

# load NAME: coap_load against the gateway, its line in $T/NAME.N, the
# CPU per answer in $T/NAME.cpu.N
load() {
	local name=$1 before after line

	cpu_ticks before
	line=$(in_ns "$S" "${PIN[@]}" "$BENCH_BIN/coap_load" -n "$SENSORS" \
		-d "$SECONDS_EACH" -t 1000 -P bench/load "$GW")
	cpu_ticks after
	[ -n "$line" ] || fail "coap_load against $name printed nothing"
	note "$name: $line"
	echo "$line" >>"$T/$name.lines"
	cpu_us_per "$before" "$after" "$(field "$line" acked)" >>"$T/$name.cpu"
}

# col NAME FIELD: the median of a coap_load field over the rounds
col() {
	local f

	f=$(mktemp -p "$T")
	while read -r l; do field "$l" "$2"; done <"$T/$1.lines" >"$f"
	median "$f"
}

# ---- 1: who answers ----
run_iotgw() {
	iotgw_load
	gw rule add bench filter 'bench/#' proto coap hook in action ingest qos 1
	bg_ns "$G" "$T/drain.out" "${PIN[@]}" "$BENCH_BIN/queue_drain" \
		-w $((SECONDS_EACH + 30)) 100000000
	for i in $(seq 50); do
		[ -n "$(queue_field credit)" ] && break
		sleep 0.1
	done
	[ -n "$(queue_field credit)" ] || fail "queue_drain did not bind"
	load iotgw
	kill "$BG_PID"
	wait "$BG_PID" 2>/dev/null
	bench_unload
}

run_coap_server() {
	bg_ns "$G" "$T/coap-server.out" "${PIN[@]}" coap-server-notls \
		-A "$GW" -d 10
	local pid=$BG_PID

	sleep 0.5
	# the first POST creates bench/load (-d), the others update it
	in_ns "$S" coap-client-notls -m post -e x "coap://$GW/bench/load" \
		>/dev/null 2>&1
	load coap-server
	kill "$pid"
	wait "$pid" 2>/dev/null
}

# ---- 2: into the cloud ----
# subscriber: count what reaches the cloud broker, one line a message
start_recorder() {
	bg_ns "$C" "$T/cloud.$1" stdbuf -oL mosquitto_sub -h 127.0.0.1 \
		-t 'bench/#' -F '%t'
	RECORDER=$BG_PID
	sleep 0.5
}

# e2e NAME: load, then count the messages the broker had at the load's end
e2e() {
	local name=$1 got before after line

	: >"$T/cloud.$name"
	cpu_ticks before
	line=$(in_ns "$S" "${PIN[@]}" "$BENCH_BIN/coap_load" -n "$SENSORS" \
		-d "$SECONDS_EACH" -t 1000 -P bench/load "$GW")
	got=$(wc -l <"$T/cloud.$name")
	cpu_ticks after
	[ -n "$line" ] || fail "coap_load against $name printed nothing"
	note "$name: $line; at the broker $got"
	echo "$line" >>"$T/$name.lines"
	# CPU per message that reached the cloud, not per answer: the
	# gateway may answer faster than it forwards
	cpu_us_per "$before" "$after" "$got" >>"$T/$name.cpu"
	echo "$got" | awk -v s="$SECONDS_EACH" '{ printf "%.0f\n", $1 / s }' \
		>>"$T/$name.broker"
}

run_iotgwd() {
	iotgw_load
	cat >"$T/iotgwd.conf" <<CONF
[gateway]
id = bench

[broker cloud]
host = 10.10.2.2
port = 1883

[rule bench]
filter = bench/#
proto = coap
action = ingest
qos = 1
broker = cloud
topic = {topic}
CONF
	chmod 644 "$T/iotgwd.conf"
	start_recorder iotgwd
	bg_ns "$G" "$T/iotgwd.log" "${PIN[@]}" iotgwd -f -c "$T/iotgwd.conf"
	local pid=$BG_PID

	for i in $(seq 50); do
		[ -n "$(queue_field credit)" ] && break
		sleep 0.1
	done
	[ -n "$(queue_field credit)" ] || { cat "$T/iotgwd.log" >&2; fail "iotgwd did not bind"; }
	e2e iotgwd
	kill "$pid" "$RECORDER"
	wait "$pid" "$RECORDER" 2>/dev/null
	bench_unload
}

run_bridge() {
	start_recorder bridge
	bg_ns "$G" "$T/bridge.out" "${PIN[@]}" "$BENCH_BIN/coap_bridge" \
		-l "$GW" -b 10.10.2.2
	local pid=$BG_PID

	sleep 1
	e2e bridge
	kill "$pid" "$RECORDER"
	wait "$pid" "$RECORDER" 2>/dev/null
	note "bridge: $(tail -n 1 "$T/bridge.out")"
}

for r in $(seq "$ROUNDS"); do
	note "round $r of $ROUNDS"
	run_iotgw
	run_coap_server
	run_iotgwd
	run_bridge
done

i_rps=$(col iotgw rps) c_rps=$(col coap-server rps)
i_p99=$(col iotgw p99_us) c_p99=$(col coap-server p99_us)
d_rps=$(col iotgwd rps) b_rps=$(col bridge rps)
d_cpu=$(median "$T/iotgwd.cpu") b_cpu=$(median "$T/bridge.cpu")
d_brk=$(median "$T/iotgwd.broker") b_brk=$(median "$T/bridge.broker")

cat <<EOF
## CoAP ingest on the gateway

$SENSORS sensors (one UDP socket each, one confirmable POST outstanding,
16-byte payload) in the sensor namespace against the gateway's
$GW, $SECONDS_EACH s a measurement, $ROUNDS rounds interleaved, medians.
The load and the gateway's programs share CPU 1, the cloud's mosquitto
(and a subscriber counting what it got) runs in the cloud namespace.
CPU per message is all CPUs' busy time, load generator included for
every row, over the answers in the first two rows and over the messages
that reached the broker by the load's end in the last two (the broker's
own CPU included there). Both forwarders answer once the message is
theirs (iotgw: queued in the kernel; the bridge: in libmosquitto's
queue) and publish QoS 1; iotgwd acks the kernel after the PUBACK, the
bridge bounds nothing: an answered message it has not published yet is
lost if it dies.

| gateway | requests/s | ACK p50 µs | ACK p99 µs | CPU µs per message | errors | lost | messages/s at the broker |
|---|---:|---:|---:|---:|---:|---:|---:|
| iotgw ingest (queue_drain acks) | $i_rps | $(col iotgw p50_us) | $i_p99 | $(median "$T/iotgw.cpu") | $(col iotgw errors) | $(col iotgw lost) | - |
| libcoap coap-server | $c_rps | $(col coap-server p50_us) | $c_p99 | $(median "$T/coap-server.cpu") | $(col coap-server errors) | $(col coap-server lost) | - |
| iotgw + iotgwd, QoS 1 | $d_rps | $(col iotgwd p50_us) | $(col iotgwd p99_us) | $d_cpu | $(col iotgwd errors) | $(col iotgwd lost) | $d_brk |
| libcoap + libmosquitto bridge, QoS 1 | $b_rps | $(col bridge p50_us) | $(col bridge p99_us) | $b_cpu | $(col bridge errors) | $(col bridge lost) | $b_brk |

Where both forwarders bring about the same messages/s to the broker
while iotgw + iotgwd answers more sensors than it forwards (the rest
wait in the kernel's queue, answered), the cloud broker is what bounds
the last column: mosquitto here takes $d_brk and $b_brk QoS 1
messages/s from the two, passing each on to a subscriber, on QEMU's
emulated CPUs.

Ratios: ingest requests/s iotgw / coap-server $(ratio "$i_rps" "$c_rps"),
ACK p99 iotgw / coap-server $(ratio "$i_p99" "$c_p99"); messages/s at the
broker iotgw + iotgwd / bridge $(ratio "$d_brk" "$b_brk"), CPU per message
$(ratio "$d_cpu" "$b_cpu").

EOF
target "CoAP ingest requests/s, iotgw / coap-server" "$(ratio "$i_rps" "$c_rps")" ">=" 3
target "CoAP ingest ACK p99, iotgw / coap-server" "$(ratio "$i_p99" "$c_p99")" "<=" 0.33
target "messages/s at the broker, iotgw + iotgwd / bridge" "$(ratio "$d_brk" "$b_brk")" ">=" 2
target "CPU per message, iotgw + iotgwd / bridge" "$(ratio "$d_cpu" "$b_cpu")" "<=" 1
