#!/usr/bin/env bash
# Build (once) the debug kernel used by `make check KERNEL=debug` and print
# its build directory. The result is cached outside the tree, keyed by the
# hash of the config fragment, the source package version and the compiler.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

frag=$here/debug.config
src=$(iotgw_kernel_source)
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( (cat "$frag"; echo "$ver"; gcc --version | head -n 1) | sha256sum | cut -c1-16)
out=$IOTGW_CACHE/kernel-debug-$key

if [ -e "$out/.built" ] && [ -e "$out/arch/x86/boot/bzImage" ]; then
	echo "$out"
	exit 0
fi

echo "iotgw-vm: building debug kernel in $out (cold cache: several minutes)" >&2
rm -rf "$out"
mkdir -p "$out"
log=$out/build.log
kmake() { make -C "$src" O="$out" ARCH=x86_64 "$@" >>"$log" 2>&1; }

if ! kmake tinyconfig ||
   ! (cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m .config "$frag" >>"$log" 2>&1) ||
   ! kmake olddefconfig; then
	tail -n 30 "$log" >&2
	die "debug kernel configuration failed (log: $log)"
fi

# Every option of the fragment must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	if ! grep -qx -- "$line" "$out/.config"; then
		echo "iotgw-vm: debug config lost: $line" >&2
		missing=1
	fi
done <"$frag"
[ "$missing" = 0 ] || die "fix tools/vm/debug.config (dependencies not met)"

start=$(date +%s)
if ! kmake -j"$(nproc)" bzImage modules_prepare; then
	tail -n 40 "$log" >&2
	die "debug kernel build failed (log: $log)"
fi
echo "iotgw-vm: debug kernel built in $(( $(date +%s) - start ))s" >&2
touch "$out/.built"
echo "$out"
