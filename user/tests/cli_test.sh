#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iotgwctl without a kernel: bad words are named, exit codes follow
# iproute2 (2 for usage, 1 for failure), help and version work.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
ctl=$here/../../tools/iotgwctl/iotgwctl

# expect STATUS PATTERN ARGS...: exit status and a stderr line matching
expect() {
	local want=$1 pattern=$2 err rc
	shift 2
	err=$("$ctl" "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = "$want" ] && echo "$err" | grep -qE -- "$pattern"
	tap_ok $? "iotgwctl $* -> exit $want, says /$pattern/ (got $rc: $err)"
}

expect 2 'unknown object "bogus"' bogus
expect 2 'unknown option "-x"' -x config show
expect 2 'unknown config command "frob"' config frob
expect 2 'config show takes no arguments, got "extra"' config show extra
expect 2 'version takes no arguments, got "now"' version now
expect 2 'Usage: iotgwctl' 

out=$("$ctl" help)
tap_ok $? "iotgwctl help exits 0"
echo "$out" | grep -q 'config show'
tap_ok $? "help lists config show"

out=$("$ctl" -V)
echo "$out" | grep -qE '^iotgwctl [0-9]+\.[0-9]+\.[0-9]+$'
tap_ok $? "iotgwctl -V prints its version ($out)"

if grep -q '^iotgw ' /proc/modules 2>/dev/null; then
	echo "# the iotgw module is loaded here: not checking the missing-family message"
else
	expect 1 'family "iotgw" not found: is the iotgw module loaded\?' config show
fi
tap_done
