#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Load and unload the module 20 times (5 on the debug kernel): each load
# brings the netlink family (answering with its version), each unload
# takes it away, nothing leaks.
. "$(dirname "$0")/lib.sh"

[ -e "$IOTGW_KO" ] || fail "no module at $IOTGW_KO"
n=20
iotgw_debug_kernel && n=5
iotgw_unload
for i in $(seq 1 $n); do
	insmod "$IOTGW_KO" || fail "insmod #$i"
	want=$(cat /sys/module/iotgw/version)
	got=$(iotgwctl version | sed -n 's/^iotgw //p')
	[ "$got" = "$want" ] ||
		fail "load #$i: netlink reports version \"$got\", sysfs \"$want\""
	rmmod iotgw || fail "rmmod #$i"
	if iotgwctl config show >/dev/null 2>&1; then
		fail "unload #$i: the netlink family still answers"
	fi
done
kmemleak_check "after $n loads and unloads"
iotgw_load
echo "$n loads and unloads, version $want"
