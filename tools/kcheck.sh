#!/usr/bin/env bash
# kcheck.sh kmod/proto/FILE.c ...: build just these kernel sources (with the
# headers under kmod/) as a throwaway module against Debian's headers, with
# sparse and -Werror, then run checkpatch --strict on them and their
# headers. For working on one parser without the rest of the module.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/vm/common.sh"
[ $# -gt 0 ] || { echo "usage: kcheck.sh kmod/DIR/FILE.c ..." >&2; exit 2; }

kdir=${KDIR:-/usr/src/linux-headers-$(iotgw_debian_release)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/kmod"
(cd "$top" && find kmod -name '*.h' -exec cp --parents {} "$tmp" \;)
cp -r "$top/include" "$tmp/"
# Every parser uses the topic helpers: build them along.
set -- "$@" kmod/proto/topic.c
declare -A seen
objs=""
for f in "$@"; do
	[ -n "${seen[$f]:-}" ] && continue
	seen[$f]=1
	f=${f#"$top"/}
	(cd "$top" && cp --parents "$f" "$tmp") || exit 1
	objs="$objs ${f#kmod/}"
done
cat >"$tmp/kmod/kcheck_main.c" <<'C'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
MODULE_LICENSE("GPL");
C
{
	echo "ccflags-y := -I\$(src)/../include -Werror"
	echo "obj-m := kcheck.o"
	echo "kcheck-y := kcheck_main.o ${objs//.c/.o}"
} >"$tmp/kmod/Kbuild"
status=0
if ! make -s -C "$kdir" M="$tmp/kmod" C=2 modules 2>&1 | grep -v 'Skipping BTF' |
		tee "$tmp/build.log" | grep -E 'warning|error' ; then
	:
else
	status=1
fi
[ -e "$tmp/kmod/kcheck.ko" ] || { cat "$tmp/build.log"; status=1; }
src=$(iotgw_kernel_source)
hdrs=()
for f in "${!seen[@]}"; do
	h=${f%.c}.h
	[ -e "$top/${h#"$top"/}" ] && hdrs+=("$top/${h#"$top"/}")
done
found=$(cd "$top" && perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse \
	--show-types -f "${!seen[@]}" "${hdrs[@]}" | grep -E 'ERROR|WARNING|CHECK')
if [ -n "$found" ]; then
	echo "$found"
	status=1
fi
[ "$status" = 0 ] && echo "kcheck: builds, sparse and checkpatch --strict clean: ${!seen[*]}"
exit "$status"
