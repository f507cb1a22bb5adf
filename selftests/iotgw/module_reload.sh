#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Load and unload the module 20 times: each load brings the netlink family
# (answering with its version), each unload takes it away, nothing leaks.
. "$(dirname "$0")/lib.sh"

[ -e "$IOTGW_KO" ] || fail "no module at $IOTGW_KO"
iotgw_unload
for i in $(seq 1 20); do
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
kmemleak_check "after 20 loads and unloads"
iotgw_load
echo "20 loads and unloads, version $want"
