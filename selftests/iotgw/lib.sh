# SPDX-License-Identifier: GPL-2.0
# Helpers for the iotgw shell selftests. Sourced.
IOTGW_TOP=${IOTGW_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
IOTGW_KO=${IOTGW_KO:-$IOTGW_TOP/kmod/iotgw.ko}
PATH=$IOTGW_TOP/tools/iotgwctl:$PATH
KSFT_SKIP=4

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

iotgw_loaded() {
	grep -q '^iotgw ' /proc/modules
}

iotgw_unload() {
	if iotgw_loaded; then
		rmmod iotgw || fail "rmmod iotgw"
	fi
}

iotgw_load() {
	iotgw_loaded || insmod "$IOTGW_KO" || fail "insmod $IOTGW_KO"
}

# With kmemleak (the debug kernel): fail if anything leaked since the last
# clear, then clear. Objects must be 5 s old before kmemleak reports them.
kmemleak_check() {
	local f=/sys/kernel/debug/kmemleak leaks

	[ -w "$f" ] || return 0
	sleep 6
	echo scan >"$f"
	echo scan >"$f"
	leaks=$(cat "$f")
	if [ -n "$leaks" ]; then
		echo "$leaks" | head -n 60 >&2
		fail "kmemleak: $1"
	fi
	echo clear >"$f"
}
