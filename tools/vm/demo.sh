#!/bin/bash
# The gateway scenario `make demo` runs inside the VM, narrated. It grows
# with the project: today the module loads and answers over netlink, in the
# gateway's namespace and in a second one.
set -eu
export PATH=$IOTGW_TOP/tools/iotgwctl:$PATH

say() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

say "kernel $(uname -r): loading the iotgw module"
show insmod "$IOTGW_KO"
show grep '^iotgw ' /proc/modules

say "the module answers over generic netlink"
show iotgwctl version
show iotgwctl config show

say "every network namespace has its own iotgw state"
ip netns add sensors
show ip netns exec sensors iotgwctl config show
ip netns del sensors

say "unloading"
show rmmod iotgw
