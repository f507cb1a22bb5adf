#!/usr/bin/env bash
# check.sh --kernels "debian debug" [--tests "name ..."]
#
# `make check`: the userspace unit tests, checkpatch and sparse, then the
# selftests in the VM on each kernel; prints every result as it comes and
# ends with "N passed, N failed". With --tests only those selftests run.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

kernels="debian debug" tests=""
while [ $# -gt 0 ]; do
	case "$1" in
	--kernels) kernels=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	*) echo "check.sh: unknown argument \"$1\"" >&2; exit 2 ;;
	esac
done

# The debug kernel's selftests mostly wait (timers, retransmissions) under
# TCG: they run in CHECK_DEBUG_VMS VMs at once, each with its own share,
# its own module build, leak scans and log checks.
debug_vms=${CHECK_DEBUG_VMS:-$(( $(nproc) >= 2 ? 2 : 1 ))}
case "$debug_vms" in
'' | *[!0-9]*) echo "check.sh: CHECK_DEBUG_VMS must be a number, not \"$debug_vms\"" >&2; exit 2 ;;
esac

passed=0 failed=0
failures=()

# The debug kernel (built once, then cached) builds at the lowest
# priority beside the unit tests and the Debian kernel's VM run, which
# leave a CPU idle much of the time; its VM run waits for it.
kbuild=
case " $kernels " in
*" debug "*)
	mkdir -p build
	nice -n 19 tools/vm/build-debug-kernel.sh >build/debug-kernel.log 2>&1 &
	kbuild=$!
	;;
esac

# count NAME RC OUTPUT: add a program's kselftest Totals, or 1 by status.
count() {
	local name=$1 rc=$2 out=$3 counts p f
	counts=$(echo "$out" | sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) .*/\1 \2/p' | tail -n 1)
	[ -n "$counts" ] || counts="$((rc == 0)) $((rc != 0))"
	read -r p f <<<"$counts"
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" != 0 ]; then
		failures+=("$name")
		echo "FAIL $name"
	else
		echo "PASS $name ($p)"
	fi
}

run() {	# run NAME CMD...
	local name=$1 out rc
	shift
	echo "== $name"
	out=$("$@" 2>&1)
	rc=$?
	echo "$out"
	count "$name" "$rc" "$out"
}

if [ -z "$tests" ]; then
	for t in user/tests/*_test user/tests/*_test.sh; do
		[ -x "$t" ] && run "unit: ${t#user/tests/}" "./$t"
	done
	for f in build/fuzz/fuzz_*; do
		[ -x "$f" ] && run "fuzz: ${f#build/fuzz/} (${CHECK_FUZZ_SECONDS:-10}s)" \
			tools/fuzz/run.sh "${CHECK_FUZZ_SECONDS:-10}" "$f"
	done
	run "lint: checkpatch --strict" tools/lint.sh checkpatch
	run "lint: sparse" tools/lint.sh sparse
fi

# Seconds each selftest took on the debug kernel (a recent run), to share
# them out longest first; a test not listed counts as a minute.
declare -A test_weight=(
	[coap_request.sh]=170 [mqtt_classify.sh]=163 [iotgwd_e2e.sh]=160
	[iotgwd_downlink.sh]=121 [coap_confirm.sh]=100 [coap_classify.sh]=87
	[monitor.sh]=62 [coap_ingest.sh]=62 [module_reload.sh]=38
	[queue_test]=35 [netns_cleanup.sh]=33 [rules_test]=6 [netlink_test]=4
	[iotgwd_spool.sh]=1	# debian_only: skipped there
)

# share N TEST...: one line a VM, its tests in the suite's order, each
# test going to the VM with the least so far, longest first
share() {
	local n=$1 t i min
	shift
	local -a load=() list=()
	for ((i = 0; i < n; i++)); do load[i]=0 list[i]=""; done
	for t in $(for t in "$@"; do echo "${test_weight[$t]:-60} $t"; done |
		   sort -k1,1nr | cut -d' ' -f2); do
		min=0
		for ((i = 1; i < n; i++)); do
			[ "${load[i]}" -lt "${load[min]}" ] && min=$i
		done
		load[min]=$((load[min] + ${test_weight[$t]:-60}))
		list[min]+=" $t"
	done
	for ((i = 0; i < n; i++)); do
		for t in "$@"; do
			case " ${list[i]} " in *" $t "*) printf '%s ' "$t" ;; esac
		done
		echo
	done
}

# add_result NAME LABEL RC: the counts one VM left; run.sh failing
# counts as a failure even where its result file says otherwise
add_result() {
	local p f
	read -r p f <"build/vm/$1/result" 2>/dev/null || { p=0; f=1; }
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" = 0 ] || failures+=("selftests on the $2")
}

for k in $kernels; do
	if [ "$k" = debug ] && [ -n "$kbuild" ]; then
		wait "$kbuild"
		krc=$?
		cat build/debug-kernel.log
		# once more in the foreground, so that parallel VMs do not each
		# build it in the same place; a failure says why
		if [ "$krc" != 0 ] && ! tools/vm/build-debug-kernel.sh >/dev/null; then
			failed=$((failed + 1))
			failures+=("the debug kernel build")
			continue
		fi
	fi
	echo "== selftests in the VM, $k kernel"
	vms=1
	[ "$k" = debug ] && vms=$debug_vms
	if [ "$vms" -le 1 ]; then
		tools/vm/run.sh --kernel "$k" --mode test --tests "$tests"
		add_result "$k" "$k kernel" $?
		continue
	fi
	list=$tests
	[ -n "$list" ] || list=$(. tools/vm/common.sh; iotgw_selftests "$top")
	if [ -z "${list//[[:space:]]/}" ]; then
		echo "check.sh: no selftests to run on the $k kernel" >&2
		failed=$((failed + 1))
		failures+=("selftests on the $k kernel: none found")
		continue
	fi
	# shellcheck disable=SC2086 # the test names are words
	mapfile -t shares < <(share "$vms" $list)
	pids=() names=()
	for i in "${!shares[@]}"; do
		[ -n "${shares[i]// /}" ] || continue
		names+=("$k-$((i + 1))")
		echo "== $k-$((i + 1)): ${shares[i]}"
		tools/vm/run.sh --kernel "$k" --name "$k-$((i + 1))" --mode test \
			--tests "${shares[i]}" >"build/vm-$k-$((i + 1)).log" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[i]}"
		rc=$?
		echo "== ${names[i]}"
		cat "build/vm-${names[i]}.log"
		add_result "${names[i]}" "$k kernel (${names[i]})" "$rc"
	done
done

echo
for f in "${failures[@]}"; do
	echo "failed: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
