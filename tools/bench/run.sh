#!/usr/bin/env bash
# run.sh PARSE_BENCH: every benchmark, one table, written to BENCH.md.
#  - In userspace: parse + match cost per packet, as ns (best of 5,
#    pinned to one core) and as instructions (callgrind, repeatable),
#    with 10 / 1,000 / 10,000 rules; the trie against a linear scan at
#    8 / 512 / 8,192 filters.
#  - In the VM (tools/vm/run.sh --mode bench, Debian's kernel): CoAP
#    ingest against libcoap's server and a libcoap + libmosquitto bridge,
#    forwarded traffic through the classifier against no module and
#    nftables, queue delivery batched against one message a datagram,
#    and a perf profile of the forwarded MQTT flood
#    (tools/bench/{ingest,forward,delivery,profile}.sh).
# BENCH_SECTIONS="ingest forward delivery profile" picks the VM's
# (none: "-"); BENCH_ROUNDS (default 3) sets how many interleaved rounds
# ingest, forward and delivery take their medians over.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pin=()
command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ] && pin=(taskset -c 1)

"${pin[@]}" "$bench" time >"$tmp/time"

ns() { awk -v w="$1" -v r="$2" '$1 == w && $2 == r { print $3 }' "$tmp/time"; }
ir() {	# ir WHAT RULES ITERS: instructions per packet
	valgrind --tool=callgrind --instr-atstart=no \
		--callgrind-out-file="$tmp/cg.out" "$bench" count "$1" "$2" "$3" \
		>/dev/null 2>&1 || { echo "callgrind failed for $1 $2" >&2; exit 1; }
	awk -v n="$3" '/^totals:/ { printf "%.0f\n", $2 / n; exit }' "$tmp/cg.out"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

{
	echo "## Parse and match, per packet (userspace build of the module's sources)"
	echo
	echo "| packet | rules | ns | instructions |"
	echo "|---|---:|---:|---:|"
	for w in coap mqtt; do
		for r in 10 1000 10000; do
			eval "ir_${w}_$r=$(ir $w $r 2000)"
			v=ir_${w}_$r
			echo "| $w | $r | $(ns $w $r) | ${!v} |"
		done
	done
	echo
	echo "Ratio 10,000 rules / 10 rules: CoAP $(ratio "$ir_coap_10000" "$ir_coap_10") (instructions), $(ratio "$(ns coap 10000)" "$(ns coap 10)") (ns); MQTT $(ratio "$ir_mqtt_10000" "$ir_mqtt_10") (instructions), $(ratio "$(ns mqtt 10000)" "$(ns mqtt 10)") (ns)."
	echo
	echo "## Topic matching: trie against a linear scan (match only)"
	echo
	echo "| filters | trie ns | trie instructions | linear ns | linear instructions |"
	echo "|---:|---:|---:|---:|---:|"
	for r in 8 512 8192; do
		it=2000
		[ "$r" = 8192 ] && it=20
		eval "tir_$r=$(ir trie $r 2000)"
		eval "lir_$r=$(ir linear $r $it)"
		t=tir_$r l=lir_$r
		echo "| $r | $(ns trie $r) | ${!t} | $(ns linear $r) | ${!l} |"
	done
	echo
	echo "Ratio 8,192 / 8 filters: trie $(ratio "$tir_8192" "$tir_8") (instructions), $(ratio "$(ns trie 8192)" "$(ns trie 8)") (ns); linear scan $(ratio "$lir_8192" "$lir_8") (instructions)."
	echo
	echo "## Targets"
	echo
	target() {	# target NAME VALUE OP LIMIT
		if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !(op == "<" ? v < l : v <= l) }'; then
			echo "- $1: $2 (target $3 $4): met"
		else
			echo "- $1: $2 (target $3 $4): missed by $(ratio "$2" "$4")x"
		fi
	}
	target "CoAP POST instructions per packet" "$ir_coap_10000" "<" 1000
	target "MQTT PUBLISH instructions per packet" "$ir_mqtt_10000" "<" 1000
	target "CoAP 10,000 / 10 rules" "$(ratio "$ir_coap_10000" "$ir_coap_10")" "<" 1.3
	target "MQTT 10,000 / 10 rules" "$(ratio "$ir_mqtt_10000" "$ir_mqtt_10")" "<" 1.3
	target "trie 8,192 / 8 filters" "$(ratio "$tir_8192" "$tir_8")" "<=" 1.3
} >"$tmp/table"

cat "$tmp/table"

# the VM's benchmarks, against their alternatives, in one boot
vm_status=0
: >"$tmp/vm.md"
if [ "${BENCH_SECTIONS:-}" != - ]; then
	"$top/tools/vm/run.sh" --kernel debian --mode bench || vm_status=1
	cp "$top/build/vm/debian/bench.md" "$tmp/vm.md" 2>/dev/null || vm_status=1
	[ "$vm_status" = 0 ] ||
		echo "**The VM benchmarks failed: see build/vm/debian/output.log.**" >>"$tmp/vm.md"
	echo
	cat "$tmp/vm.md"
fi
{
	echo "# iotgw benchmarks"
	echo
	echo "Measured $(date -u +%Y-%m-%d) on $(uname -m), $(nproc) cores, $(gcc --version | head -n 1), $(valgrind --version);"
	echo "the VM sections under QEMU TCG (2 vCPUs, no KVM) with Debian's kernel $(. "$top/tools/vm/common.sh"; iotgw_debian_release)."
	echo "Reproduce: \`make bench\`. Rule sets: per-device literals (sensors/roomN/temp),"
	echo "per-site wildcards (site/N/+/temp, +/devN/status), subtrees (fleet/N/#); the packet's"
	echo "topic sensors/bedroom/temp is decided by sensors/+/temp. Instructions come from"
	echo "callgrind over the classification loop alone, ns from the best of 5 timed runs."
	echo
	cat "$tmp/table"
	echo
	cat "$tmp/vm.md"
} >"$top/BENCH.md"
echo
echo "written to BENCH.md"
exit "$vm_status"
