#!/usr/bin/env bash
# lint.sh checkpatch|sparse: the kernel code's style and sparse checks,
# against Debian's linux-source-6.1 (checkpatch) and headers (sparse).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/vm/common.sh"
cd "$top" || exit 1

kernel_files=()
for f in kmod/*.c kmod/*.h kmod/*/*.c kmod/*/*.h include/uapi/linux/*.h; do
	case "$f" in *.mod.c) continue ;; esac
	[ -e "$f" ] && kernel_files+=("$f")
done

case "${1:-}" in
checkpatch)
	src=$(iotgw_kernel_source) || exit 1
	out=$(perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse \
		--show-types -f "${kernel_files[@]}" 2>&1 |
		grep -E 'ERROR|WARNING|CHECK')
	if [ -n "$out" ]; then
		echo "$out"
		echo "checkpatch --strict: $(echo "$out" | wc -l) findings"
		exit 1
	fi
	echo "checkpatch --strict: clean (${#kernel_files[@]} files)"
	;;
sparse)
	kdir=${KDIR:-/usr/src/linux-headers-$(iotgw_debian_release)}
	out=$(make -s -C "$kdir" M="$top" C=2 modules 2>&1 |
		grep -E '(warning|error):')
	if [ -n "$out" ]; then
		echo "$out"
		echo "sparse: $(echo "$out" | wc -l) findings"
		exit 1
	fi
	echo "sparse: clean"
	;;
*)
	echo "usage: lint.sh checkpatch|sparse" >&2
	exit 2
	;;
esac
