#!/usr/bin/env bash
# mkinitramfs.sh OUT [MODULE_DIR]: busybox, our /init, and (for Debian's
# kernel) the virtio/9p/overlay modules from MODULE_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
moddir=${2:-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/modules"
cp /bin/busybox "$tmp/bin/busybox"
cp "$here/initramfs-init" "$tmp/init"
chmod 755 "$tmp/init"
if [ -n "$moddir" ]; then
	for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
		 virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay; do
		f=$(find "$moddir/kernel" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || continue	# built in
		case "$f" in
		*.ko.xz) xz -dc "$f" >"$tmp/modules/$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$tmp/modules/$m.ko" ;;
		*) cp "$f" "$tmp/modules/$m.ko" ;;
		esac
	done
fi
(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
