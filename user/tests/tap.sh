# SPDX-License-Identifier: GPL-2.0
# Minimal TAP for shell unit tests, ending with kselftest's Totals line so
# that tools/check.sh counts each case. Sourced.
tap_n=0 tap_pass=0 tap_fail=0

tap_ok() {	# tap_ok CONDITION_STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		tap_pass=$((tap_pass + 1))
		echo "ok $tap_n $2"
	else
		tap_fail=$((tap_fail + 1))
		echo "not ok $tap_n $2"
	fi
}

tap_done() {
	echo "1..$tap_n"
	echo "# Totals: pass:$tap_pass fail:$tap_fail xfail:0 xpass:0 skip:0 error:0"
	[ "$tap_fail" = 0 ]
}
