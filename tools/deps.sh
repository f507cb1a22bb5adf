#!/usr/bin/env bash
# Install the Debian packages iotgw needs to build, test and run its demo.
# Idempotent and quiet when everything is there; needs root otherwise.
set -euo pipefail

packages=(
	# build: module, userspace, selftests
	build-essential pkg-config
	linux-headers-amd64 linux-image-amd64 linux-source-6.1
	libnl-3-dev libnl-genl-3-dev libjson-c-dev libinih-dev libmosquitto-dev
	libsqlite3-dev
	sparse
	# unit tests, fuzzing, benchmarks
	clang libclang-rt-14-dev valgrind python3
	libcoap3-dev nftables linux-perf
	# debug kernel
	bc bison flex libelf-dev libssl-dev cpio xz-utils kmod
	# VM and the peers that run inside it
	qemu-system-x86 busybox-static iproute2 procps
	mosquitto mosquitto-clients libcoap3-bin jq
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "iotgw: missing Debian packages: ${missing[*]}" >&2
	echo "iotgw: run 'make deps' as root to install them" >&2
	exit 1
fi
echo "iotgw: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
