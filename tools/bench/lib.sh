# SPDX-License-Identifier: GPL-2.0
# Helpers for the benchmarks that run inside the VM (tools/bench/*.sh).
# Sourced after selftests/iotgw/lib.sh (namespaces, brokers, iotgwctl).
BENCH_BIN=$IOTGW_TOP/build/bench
# The benchmarked programs and their load share CPU 1; the VM's own
# chores stay on CPU 0.
PIN=(taskset -c 1)

# Busy and total jiffies of all CPUs, from /proc/stat: cpu_ticks VAR
cpu_ticks() {
	local _ u n s idle iow irq sirq steal

	read -r _ u n s idle iow irq sirq steal _ </proc/stat
	printf -v "$1" '%s %s' $((u + n + s + irq + sirq + steal)) \
		$((u + n + s + idle + iow + irq + sirq + steal))
}

# Microseconds of CPU per message between two cpu_ticks samples:
# cpu_us_per BEFORE AFTER MESSAGES
cpu_us_per() {
	local hz

	hz=$(getconf CLK_TCK)
	set -- $1 $2 "$3"
	awk -v b="$1" -v a="$3" -v m="$5" -v hz="$hz" \
		'BEGIN { if (m > 0) printf "%.1f\n", (a - b) * 1e6 / hz / m; else print "n/a" }'
}

# ROUNDS from BENCH_ROUNDS (default 3), a positive number: bench_rounds
bench_rounds() {
	ROUNDS=${BENCH_ROUNDS:-3}
	case $ROUNDS in
	'' | *[!0-9]* | 0)
		fail "BENCH_ROUNDS must be a number of rounds, not \"$ROUNDS\"" ;;
	esac
}

# median FILE: the median of the numbers in FILE, one a line
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ratio A B: A / B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}

# One target line: target NAME VALUE OP LIMIT (OP is >= or <=)
target() {
	local verdict

	if awk -v v="$2" -v l="$4" -v op="$3" \
		'BEGIN { exit !(v != "n/a" && (op == ">=" ? v >= l : v <= l)) }'; then
		verdict=met
	elif [ "$2" = n/a ]; then
		verdict="not measured"
	else
		verdict="missed: $(ratio "$2" "$4") of the target"
	fi
	echo "- $1: $2 (target $3 $4): $verdict"
}

# A field of coap_load's or udp_flood's one-line report: field LINE NAME
field() {
	echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}

# Unload the module: queued QoS 1 messages hold it, so flush them first.
bench_unload() {
	iotgw_loaded || return 0
	[ -z "${G:-}" ] || in_ns "$G" iotgwctl queue flush >/dev/null 2>&1
	iotgw_unload
}

# Say on stderr what the benchmark is doing.
note() { echo "bench: $*" >&2; }

# BENCH_TRACE=1 make bench: every command of the benchmarks on stderr
[ -z "${BENCH_TRACE:-}" ] || set -x
