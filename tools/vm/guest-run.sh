#!/bin/bash
# Runs inside the VM: each selftest of $IOTGW_TESTS with the module loaded,
# in TAP. A test fails on its own exit status or when the kernel log shows
# a splat while it ran; on the debug kernel, unloading the module at the
# end must leave kmemleak with nothing to report.
set -u
. "$IOTGW_TOP/tools/vm/common.sh"

dir=$IOTGW_TOP/selftests/iotgw
export IOTGW_TOP IOTGW_KO IOTGW_KERNEL
export PATH=$IOTGW_TOP/tools/iotgwctl:$PATH
kmemleak=/sys/kernel/debug/kmemleak
test_timeout=$(sed -n 's/^timeout=//p' "$dir/settings" 2>/dev/null)
test_timeout=${test_timeout:-120}
# KASAN, lockdep and kmemleak under TCG: the same test takes 5 to 10 times
# as long on the debug kernel.
[ "$IOTGW_KERNEL" = debug ] && test_timeout=$((test_timeout * 3))
# Scenarios of the daemon whose kernel paths other tests cover already
# run on the Debian kernel only: on the debug kernel they take many
# minutes and check nothing more of the module.
debian_only=" $(sed -n 's/^debian_only=//p' "$dir/settings" 2>/dev/null) "
pass=0 fail=0 n=0

# shellcheck disable=SC2086
set -- $IOTGW_TESTS
echo "TAP version 13"
echo "1..$(( $# + 1 ))"
echo "# kernel $(uname -r) ($IOTGW_KERNEL), module $IOTGW_KO"

# No automatic scans (each walks all memory, a minute's work under TCG):
# the two at the end look at everything the tests left.
[ -w "$kmemleak" ] && echo scan=off >"$kmemleak" && echo clear >"$kmemleak"

report() {	# report NAME OK(0/1) PASSED FAILED
	n=$((n + 1))
	pass=$((pass + $3))
	fail=$((fail + $4))
	if [ "$2" = 0 ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
	fi
}

for t in "$@"; do
	if [ "$IOTGW_KERNEL" = debug ] && [ "${debian_only#* "$t" }" != "$debian_only" ]; then
		n=$((n + 1))
		echo "ok $n $t # SKIP on the debug kernel (debian_only in settings)"
		continue
	fi
	echo "# RUN $t"
	dmesg -C
	grep -q '^iotgw ' /proc/modules || insmod "$IOTGW_KO" ||
		echo "# cannot load $IOTGW_KO"
	start=$(date +%s)
	out=$(cd "$dir" && timeout -k 5 "$test_timeout" "./$t" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	echo "# $t: $(( $(date +%s) - start ))s"
	[ "$rc" = 124 ] || [ "$rc" = 137 ] &&
		echo "# $t: TIMEOUT after ${test_timeout}s"
	# kselftest_harness programs count their cases; scripts count as one.
	counts=$(echo "$out" | sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) .*/\1 \2/p' | tail -n 1)
	[ -n "$counts" ] || counts="$((rc == 0)) $((rc != 0))"
	read -r p f <<<"$counts"
	# rc 4 is kselftest's "skip": only a missing prerequisite, counted as failed here
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	splat=$(dmesg | iotgw_bad_log_lines)
	if [ -n "$splat" ]; then
		echo "# $t: the kernel log shows problems:"
		echo "$splat" | head -n 40 | sed 's/^/#   /'
		[ "$f" != 0 ] || f=1
		rc=1
	fi
	report "$t" "$rc" "$p" "$f"
done

# Last: the module unloads, and (debug kernel) nothing it allocated leaks.
echo "# RUN unload"
dmesg -C
rc=0
if grep -q '^iotgw ' /proc/modules && ! rmmod iotgw; then
	echo "# rmmod iotgw failed"
	rc=1
fi
if [ -w "$kmemleak" ]; then
	# kmemleak reports objects older than 5 s; scan twice past that.
	sleep 6
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	leaks=$(cat "$kmemleak")
	if [ -n "$leaks" ]; then
		echo "# kmemleak reports:"
		echo "$leaks" | head -n 60 | sed 's/^/#   /'
		rc=1
	fi
fi
splat=$(dmesg | iotgw_bad_log_lines)
if [ -n "$splat" ]; then
	echo "$splat" | head -n 40 | sed 's/^/#   /'
	rc=1
fi
report unload "$rc" "$((rc == 0))" "$((rc != 0))"

echo "# iotgw-vm totals: pass=$pass fail=$fail"
