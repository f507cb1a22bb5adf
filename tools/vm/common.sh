# Shared paths for the VM harness. Sourced, not run.
# The cache lives outside the tree so that a fresh clone reuses it.
IOTGW_CACHE=${IOTGW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iotgw}
IOTGW_SRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
IOTGW_SRC_DIR=$IOTGW_CACHE/src/linux-source-6.1

die() { echo "iotgw-vm: $*" >&2; exit 1; }

# Extract Debian's linux-source-6.1 once per package version.
iotgw_kernel_source() {
	local ver stamp
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
		die "linux-source-6.1 is not installed (run: make deps)"
	stamp=$IOTGW_CACHE/src/.extracted-$ver
	if [ ! -e "$stamp" ]; then
		echo "iotgw-vm: extracting linux-source-6.1 $ver" >&2
		rm -rf "$IOTGW_CACHE/src"
		mkdir -p "$IOTGW_CACHE/src"
		tar -C "$IOTGW_CACHE/src" -xJf "$IOTGW_SRC_TARBALL" ||
			die "cannot extract $IOTGW_SRC_TARBALL"
		touch "$stamp"
	fi
	echo "$IOTGW_SRC_DIR"
}

# The selftests kselftest would run, in its order, one name a line.
iotgw_selftests() {
	make -s -C "$1/selftests/iotgw" emit_tests COLLECTION=iotgw \
		KSFT_DIR="$(iotgw_kernel_source)/tools/testing/selftests" |
		sed -n 's/^iotgw://p'
}

# The Debian kernel whose headers are installed and whose image exists.
iotgw_debian_release() {
	local d r
	for d in /usr/src/linux-headers-*-amd64; do
		[ -d "$d" ] || continue
		r=${d#/usr/src/linux-headers-}
		[ -e "/boot/vmlinuz-$r" ] && echo "$r"
	done | sort -V | tail -n 1
}

# Kernel log lines that fail a run, and boot-time lines that match them
# but report no problem.
IOTGW_BAD_LOG='BUG:|WARNING:|Oops|KASAN|UBSAN|kmemleak|possible circular locking|suspicious RCU usage|refcount_t|soft lockup|hung task|rcu_sched self-detected stall'
IOTGW_BENIGN_LOG='kmemleak: Kernel memory leak detector initialized|kmemleak: Automatic memory scanning thread (started|ended)'

# Print the lines of a kernel log (file or stdin) that fail a run.
iotgw_bad_log_lines() {
	grep -aE "$IOTGW_BAD_LOG" "$@" | grep -avE "$IOTGW_BENIGN_LOG"
}
