#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Namespaces created and destroyed while the module is loaded each get
# their own state, answer over netlink, and leave nothing behind: the
# module's reference count returns to zero, it unloads, nothing leaks.
. "$(dirname "$0")/lib.sh"

n=10
iotgw_debug_kernel && n=4
iotgw_load
for i in $(seq 1 $n); do
	ip netns add "iotgw-t$i" || fail "ip netns add #$i"
	out=$(ip netns exec "iotgw-t$i" iotgwctl config show) ||
		fail "config show in namespace #$i"
	echo "$out" | grep -qx 'coap-port 5683' ||
		fail "namespace #$i: no default config: $out"
done
for i in $(seq 1 $n); do
	ip netns del "iotgw-t$i" || fail "ip netns del #$i"
done
refs=$(cat /sys/module/iotgw/refcnt)
[ "$refs" = 0 ] || fail "module reference count $refs after namespaces died"
iotgw_unload
kmemleak_check "after $n namespaces came and went"
iotgw_load
echo "$n namespaces created, queried and destroyed"
