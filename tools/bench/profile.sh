#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where forwarded MQTT spends its time with the module loaded: the
# forward benchmark's MQTT flood (udp_flood -T, 4 connections, 40-byte
# QoS 0 PUBLISH packets) through the gateway with the rule that decides
# it, under perf record -a: what bounds the forward benchmark's MQTT
# ratio. Prints the hottest symbols as markdown. Alone:
#   BENCH_SECTIONS=profile tools/vm/run.sh --kernel debian --mode bench
. "$IOTGW_TOP/selftests/iotgw/lib.sh"
. "$IOTGW_TOP/tools/bench/lib.sh"

command -v perf >/dev/null || fail "perf is missing (Debian: linux-perf)"
bench_unload
iotgw_load
topo_up
iotgw_tmp
T=$IOTGW_TMP
gw rule add match filter 'sensors/+/temp' action accept
# the sensor and cloud namespaces: ports nothing uses, so that only the
# gateway classifies
in_ns "$S" iotgwctl config set coap-port 9 mqtt-port 9
in_ns "$C" iotgwctl config set coap-port 9 mqtt-port 9

in_ns "$C" "$BENCH_BIN/udp_flood" -T -r -d 30 1883 >"$T/sink" 2>&1 &
sink=$!
wait_listen "$C" 1883 || fail "the MQTT sink does not listen"
# perf records all CPUs for as long as the flood runs
in_ns "$S" perf record -q -a -g -e cpu-clock -o "$T/perf.data" -- \
	"${PIN[@]}" "$BENCH_BIN/udp_flood" -T -d 4 -s 16 -f 4 \
	-P sensors/bedroom/temp 10.10.2.2 1883 >"$T/flood" 2>"$T/perf.err" ||
	{ cat "$T/perf.err" >&2; fail "perf record"; }
wait "$sink"
note "flood: $(cat "$T/flood"); sink: $(cat "$T/sink")"

echo "## Profile: forwarded MQTT through the classifier"
echo
echo "perf record -a -g -e cpu-clock over 4 s of the MQTT flood (4 connections, 40-byte"
echo "QoS 0 PUBLISH packets), module loaded with the rule deciding it."
echo "Self time by symbol, the top 25:"
echo
echo '```'
perf report -q -i "$T/perf.data" --no-children --sort sym --stdio -g none \
	2>/dev/null | grep -v '^$' | head -n 25
echo '```'
echo
# the module's symbols, as /proc/kallsyms names them, summed
awk '$4 == "[iotgw]" { print $3 }' /proc/kallsyms | sort -u >"$T/syms"
echo "The module's own functions together: $(perf report -q -i "$T/perf.data" \
	--no-children --sort sym --stdio -g none 2>/dev/null |
	awk -v f="$T/syms" 'BEGIN { while ((getline s <f) > 0) m[s] = 1 }
		$2 == "[k]" && ($3 in m) { t += $1 } END { printf "%.1f%%", t }')
of all samples (idle included)."
