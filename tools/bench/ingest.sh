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
bench_rounds
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
# The cloud end, mosquitto (port 1883) or the PUBACK sink (port 1884):
# start_cloud broker|sink NAME. The messages it has had, at_cloud.
start_cloud() {
	CLOUD=$1
	if [ "$1" = broker ]; then
		# a subscriber counts what reaches the broker, a line a message
		bg_ns "$C" "$T/cloud.$2" stdbuf -oL mosquitto_sub -h 127.0.0.1 \
			-t 'bench/#' -F '%t'
		CLOUD_PORT=1883
	else
		# udp_flood -A: PUBACKs at once, counts, does nothing else
		bg_ns "$C" "$T/cloud.$2" "$BENCH_BIN/udp_flood" -T -A -r \
			-d 3600 1884
		CLOUD_PORT=1884
	fi
	CLOUD_PID=$BG_PID
	CLOUD_OUT=$T/cloud.$2
	sleep 0.5
}

at_cloud() {
	local i n

	if [ "$CLOUD" = broker ]; then
		wc -l <"$CLOUD_OUT"
		return
	fi
	n=$(wc -l <"$CLOUD_OUT")
	kill -USR1 "$CLOUD_PID"
	for i in $(seq 50); do
		[ "$(wc -l <"$CLOUD_OUT")" -gt "$n" ] && break
		sleep 0.02
	done
	field "$(tail -n 1 "$CLOUD_OUT")" received
}

stop_cloud() {
	kill "$CLOUD_PID"
	wait "$CLOUD_PID" 2>/dev/null
}

# e2e NAME: load, then count the messages the cloud had at the load's end
e2e() {
	local name=$1 got before after line

	cpu_ticks before
	line=$(in_ns "$S" "${PIN[@]}" "$BENCH_BIN/coap_load" -n "$SENSORS" \
		-d "$SECONDS_EACH" -t 1000 -P bench/load "$GW")
	got=$(at_cloud)
	cpu_ticks after
	[ -n "$line" ] || fail "coap_load against $name printed nothing"
	note "$name: $line; at the $CLOUD $got"
	echo "$line" >>"$T/$name.lines"
	# CPU per message that reached the cloud, not per answer: the
	# gateway may answer faster than it forwards
	cpu_us_per "$before" "$after" "$got" >>"$T/$name.cpu"
	echo "$got" | awk -v s="$SECONDS_EACH" '{ printf "%.0f\n", $1 / s }' \
		>>"$T/$name.broker"
}

# run_iotgwd broker|sink: iotgw + iotgwd into the cloud's broker or sink
run_iotgwd() {
	local name=iotgwd-$1

	iotgw_load
	start_cloud "$1" "$name"
	cat >"$T/iotgwd.conf" <<CONF
[gateway]
id = bench

[broker cloud]
host = 10.10.2.2
port = $CLOUD_PORT

[rule bench]
filter = bench/#
proto = coap
action = ingest
qos = 1
broker = cloud
topic = {topic}
CONF
	chmod 644 "$T/iotgwd.conf"
	bg_ns "$G" "$T/iotgwd.log" "${PIN[@]}" iotgwd -f -c "$T/iotgwd.conf"
	local pid=$BG_PID

	for i in $(seq 50); do
		[ -n "$(queue_field credit)" ] && break
		sleep 0.1
	done
	[ -n "$(queue_field credit)" ] || { cat "$T/iotgwd.log" >&2; fail "iotgwd did not bind"; }
	e2e "$name"
	kill "$pid"
	wait "$pid" 2>/dev/null
	stop_cloud
	bench_unload
}

# run_bridge broker|sink: the libcoap + libmosquitto bridge, the same way
run_bridge() {
	local name=bridge-$1

	start_cloud "$1" "$name"
	bg_ns "$G" "$T/bridge.out" "${PIN[@]}" "$BENCH_BIN/coap_bridge" \
		-l "$GW" -b 10.10.2.2 -p "$CLOUD_PORT"
	local pid=$BG_PID

	sleep 1
	e2e "$name"
	kill "$pid"
	wait "$pid" 2>/dev/null
	stop_cloud
	note "bridge: $(tail -n 1 "$T/bridge.out")"
}

for r in $(seq "$ROUNDS"); do
	note "round $r of $ROUNDS"
	run_iotgw
	run_coap_server
	run_iotgwd broker
	run_bridge broker
	run_iotgwd sink
	run_bridge sink
done

i_rps=$(col iotgw rps) c_rps=$(col coap-server rps)
i_p99=$(col iotgw p99_us) c_p99=$(col coap-server p99_us)
for c in broker sink; do
	for f in iotgwd bridge; do
		printf -v "${f}_${c}_brk" '%s' "$(median "$T/$f-$c.broker")"
		printf -v "${f}_${c}_cpu" '%s' "$(median "$T/$f-$c.cpu")"
	done
done

# row LABEL NAME [AT-THE-CLOUD]: a line of the table
row() {
	echo "| $1 | $(col "$2" rps) | $(col "$2" p50_us) | $(col "$2" p99_us) |" \
		"$(median "$T/$2.cpu") | $(col "$2" errors) | $(col "$2" lost) | ${3:--} |"
}

cat <<EOF
## CoAP ingest on the gateway

$SENSORS sensors (one UDP socket each, one confirmable POST outstanding,
16-byte payload) in the sensor namespace against the gateway's
$GW, $SECONDS_EACH s a measurement, $ROUNDS rounds interleaved, medians.
The load and the gateway's programs share CPU 1; the cloud's end runs
in the cloud namespace, unpinned: either mosquitto, with a subscriber
counting what reaches it, or a sink that answers each QoS 1 PUBLISH
with a PUBACK at once and counts (\`udp_flood -T -A -r\`: a broker that
does nothing else, to show what each forwarder can send when the broker
is not what bounds it). CPU per message is all CPUs' busy time, load
generator included for every row, over the answers in the first two
rows and over the messages that reached the cloud by the load's end in
the others (the cloud end's own CPU included). Both forwarders answer
once the message is theirs (iotgw: queued in the kernel; the bridge: in
libmosquitto's queue) and publish QoS 1 over MQTT 5; iotgwd acks the
kernel after the PUBACK, the bridge bounds nothing: an answered message
it has not published yet is lost if it dies.

| gateway | requests/s | ACK p50 µs | ACK p99 µs | CPU µs per message | errors | lost | messages/s at the cloud |
|---|---:|---:|---:|---:|---:|---:|---:|
$(row "iotgw ingest (queue_drain acks)" iotgw)
$(row "libcoap coap-server" coap-server)
$(row "iotgw + iotgwd, QoS 1, into mosquitto" iotgwd-broker "$iotgwd_broker_brk")
$(row "libcoap + libmosquitto bridge, QoS 1, into mosquitto" bridge-broker "$bridge_broker_brk")
$(row "iotgw + iotgwd, QoS 1, into the PUBACK sink" iotgwd-sink "$iotgwd_sink_brk")
$(row "libcoap + libmosquitto bridge, QoS 1, into the PUBACK sink" bridge-sink "$bridge_sink_brk")

Where iotgw + iotgwd answers more sensors than it forwards, the rest
wait in the kernel's queue, answered; what reaches the cloud is then
bounded by the cloud end or by iotgwd's share of CPU 1 beside the load.
Errors in an iotgw + iotgwd row are 5.03 answers: the kernel answers
so when a QoS 1 message cannot be queued (the queue at its limits)
rather than take what it cannot hold; the bridge's libmosquitto queue
has no such bound.

Ratios: ingest requests/s iotgw / coap-server $(ratio "$i_rps" "$c_rps"),
ACK p99 iotgw / coap-server $(ratio "$i_p99" "$c_p99"); messages/s at the
cloud iotgw + iotgwd / bridge: into mosquitto
$(ratio "$iotgwd_broker_brk" "$bridge_broker_brk"), into the sink
$(ratio "$iotgwd_sink_brk" "$bridge_sink_brk"); CPU per message: into
mosquitto $(ratio "$iotgwd_broker_cpu" "$bridge_broker_cpu"), into the sink
$(ratio "$iotgwd_sink_cpu" "$bridge_sink_cpu").

EOF
target "CoAP ingest requests/s, iotgw / coap-server" "$(ratio "$i_rps" "$c_rps")" ">=" 3
target "CoAP ingest ACK p99, iotgw / coap-server" "$(ratio "$i_p99" "$c_p99")" "<=" 0.33
target "messages/s into mosquitto, iotgw + iotgwd / bridge" \
	"$(ratio "$iotgwd_broker_brk" "$bridge_broker_brk")" ">=" 2
target "CPU per message into mosquitto, iotgw + iotgwd / bridge" \
	"$(ratio "$iotgwd_broker_cpu" "$bridge_broker_cpu")" "<=" 1
target "messages/s into the PUBACK sink, iotgw + iotgwd / bridge" \
	"$(ratio "$iotgwd_sink_brk" "$bridge_sink_brk")" ">=" 2
target "CPU per message into the PUBACK sink, iotgw + iotgwd / bridge" \
	"$(ratio "$iotgwd_sink_cpu" "$bridge_sink_cpu")" "<=" 1
