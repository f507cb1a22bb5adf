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

for k in $kernels; do
	if [ "$k" = debug ] && [ -n "$kbuild" ]; then
		# a failed build says why when run.sh tries it again
		wait "$kbuild"
		cat build/debug-kernel.log
	fi
	echo "== selftests in the VM, $k kernel"
	tools/vm/run.sh --kernel "$k" --mode test --tests "$tests"
	rc=$?
	read -r p f <"build/vm/$k/result" 2>/dev/null || { p=0; f=1; }
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" = 0 ] || failures+=("selftests on the $k kernel")
done

echo
for f in "${failures[@]}"; do
	echo "failed: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
