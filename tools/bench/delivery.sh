#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel-to-daemon delivery in the VM: the queue filled with CoAP readings
# (no consumer bound), then drained by queue_drain (iotgwd's consumer
# code, acking as iotgwd does) with the batching as built (queue-batch
# 256) against one netlink datagram per message (queue-batch 1),
# interleaved. Prints markdown on stdout.
. "$IOTGW_TOP/selftests/iotgw/lib.sh"
. "$IOTGW_TOP/tools/bench/lib.sh"

bench_rounds
WANT=${BENCH_QUEUED:-12000}

bench_unload
iotgw_load
topo_up
iotgw_tmp
T=$IOTGW_TMP
gw config set queue-max-msgs "$WANT" queue-max-bytes $((64 << 20))
gw rule add bench filter 'bench/#' proto coap hook in action ingest qos 1

# fill: readings until the queue holds WANT (it answers 5.03 beyond)
fill() {
	local i n

	for i in $(seq 20); do
		n=$(queue_field pending-qos1)
		[ "${n:-0}" -ge "$WANT" ] && return 0
		in_ns "$S" "$BENCH_BIN/coap_load" -n 64 -d 2 -t 500 \
			-P bench/load 10.10.1.1 >/dev/null
	done
	fail "the queue holds $(queue_field pending-qos1) readings, not $WANT"
}

# drain BATCH: one measurement into $T/BATCH.{mps,cpu,wake}
drain() {
	local before after line

	gw config set queue-batch "$1"
	fill
	cpu_ticks before
	line=$(in_ns "$G" "${PIN[@]}" "$BENCH_BIN/queue_drain" -w 60 "$WANT") ||
		fail "queue_drain with queue-batch $1: ${line:-nothing}"
	cpu_ticks after
	note "queue-batch $1: $line"
	field "$line" mps >>"$T/$1.mps"
	cpu_us_per "$before" "$after" "$WANT" >>"$T/$1.cpu"
}


for r in $(seq "$ROUNDS"); do
	note "round $r of $ROUNDS"
	drain 256
	drain 1
done

b_mps=$(median "$T/256.mps") o_mps=$(median "$T/1.mps")
b_cpu=$(median "$T/256.cpu") o_cpu=$(median "$T/1.cpu")

cat <<EOF
## Kernel to daemon delivery

$WANT queued QoS 1 CoAP readings (16-byte payloads) drained by
queue_drain, which is iotgwd's consumer code acking every message (acks
batched as iotgwd batches them, credit 256), $ROUNDS rounds interleaved,
medians. The drain runs on CPU 1, the queue's work wherever the kernel
puts it; CPU per message is all CPUs' busy time over the messages.

| queue-batch | messages/s | CPU µs per message |
|---:|---:|---:|
| 256 (as built) | $b_mps | $b_cpu |
| 1 (one datagram a message) | $o_mps | $o_cpu |

Ratio batched / one a datagram: $(ratio "$b_mps" "$o_mps") (messages/s),
$(ratio "$o_cpu" "$b_cpu") (CPU per message, one a datagram / batched).

EOF
target "batched delivery messages/s / one message a datagram" "$(ratio "$b_mps" "$o_mps")" ">=" 5
