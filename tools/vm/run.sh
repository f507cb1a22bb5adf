#!/usr/bin/env bash
# run.sh --kernel debian|debug --mode test|demo|bench|shell [--tests "a b"]
#        [--timeout SECONDS] [--name NAME]
#
# Boots the iotgw VM: QEMU under TCG, Debian's kernel (or the debug kernel),
# the host root shared read-only over 9p with a tmpfs overlay, the module
# built for that kernel. In test mode it runs the selftests, shows their
# output as it comes, and fails when a test fails, when the kernel log
# shows a splat, or when the wall-clock timeout fires (naming the test).
# It leaves build/vm/NAME/result holding "PASSED FAILED"; NAME (default:
# the kernel's) keeps VMs that run at once apart.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/common.sh"

kernel=debian mode=test tests="" timeout="" name=""
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	*) die "unknown argument \"$1\"" ;;
	esac
done
case "$mode" in
# The debug kernel (KASAN, lockdep, kmemleak) runs the suite several
# times slower under TCG.
test) [ "$kernel" = debug ] && timeout=${timeout:-4200} || timeout=${timeout:-1500} ;;
demo) timeout=${timeout:-300} ;;
bench) timeout=${timeout:-1800} ;;
shell) timeout=${timeout:-0} ;;
*) die "unknown mode \"$mode\" (test, demo, bench or shell)" ;;
esac

name=${name:-$kernel}
case "$name" in
*/* | .*) die "bad --name \"$name\"" ;;
esac
run=$top/build/vm/$name
rm -rf "$run"
mkdir -p "$run"
echo "0 1" >"$run/result"

case "$kernel" in
debian)
	rel=$(iotgw_debian_release)
	[ -n "$rel" ] || die "no Debian kernel with headers and image (run: make deps)"
	bzimage=/boot/vmlinuz-$rel
	moddir=/lib/modules/$rel
	ko=$top/kmod/iotgw.ko
	[ -e "$ko" ] || die "$ko is not built (run: make)"
	;;
debug)
	kdir=$("$here/build-debug-kernel.sh") || exit 1
	bzimage=$kdir/arch/x86/boot/bzImage
	moddir=
	# Build the module for this kernel from a copy, so that kmod/ keeps
	# the Debian kernel's objects; a copy each for VMs run at once.
	mdir=$top/build/kmod-$name
	mkdir -p "$mdir"
	cp -a "$top/Kbuild" "$top/kmod" "$top/include" "$mdir/"
	make -s -C "$kdir" M="$mdir" modules >"$run/kmod-build.log" 2>&1 || {
		cat "$run/kmod-build.log" >&2
		die "module build against the debug kernel failed"
	}
	ko=$mdir/kmod/iotgw.ko
	;;
*) die "unknown kernel \"$kernel\" (debian or debug)" ;;
esac

"$here/mkinitramfs.sh" "$run/initramfs.cpio.gz" "$moddir" || die "initramfs failed"

if [ "$mode" = test ]; then
	[ -n "$tests" ] || tests=$(iotgw_selftests "$top" | tr '\n' ' ')
	for t in $tests; do
		[ -e "$top/selftests/iotgw/$t" ] || die "no selftest \"$t\" (built?)"
	done
fi

cat >"$run/job.env" <<JOB
IOTGW_MODE=$mode
IOTGW_KERNEL=$kernel
IOTGW_TOP=$top
IOTGW_KO=$ko
IOTGW_TESTS="$tests"
JOB
# the benchmarks' knobs (BENCH_SECTIONS, BENCH_ROUNDS, ...) go along
env | grep '^BENCH_[A-Z_]*=' | sed "s/=\(.*\)/='\1'/" >>"$run/job.env"

qemu=(qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1G
	-nodefaults -no-reboot -display none
	-kernel "$bzimage" -initrd "$run/initramfs.cpio.gz"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-append "console=ttyS0 panic=-1 printk.time=1 iotgw_init=$here/guest-init.sh iotgw_job=$run/job.env")

if [ "$mode" = shell ]; then
	exec "${qemu[@]}" -serial mon:stdio -serial null
fi

: >"$run/output.log"
tail -n +1 -F "$run/output.log" 2>/dev/null &
tailer=$!
start=$(date +%s)
timeout -s KILL "$timeout" "${qemu[@]}" \
	-serial "file:$run/console.log" -serial "file:$run/output.log" \
	</dev/null >"$run/qemu.log" 2>&1
qemu_rc=$?
sleep 0.3
kill "$tailer" 2>/dev/null
wait "$tailer" 2>/dev/null
elapsed=$(( $(date +%s) - start ))

status=0
if [ "$qemu_rc" = 137 ]; then
	running=$(tr -d '\r' <"$run/output.log" | sed -n 's/^# RUN //p' | tail -n 1)
	echo "iotgw-vm: TIMEOUT after ${timeout}s (kernel $kernel); running: ${running:-boot, before any test}" >&2
	status=1
elif [ "$qemu_rc" != 0 ]; then
	echo "iotgw-vm: qemu exited with $qemu_rc:" >&2
	cat "$run/qemu.log" >&2
	status=1
fi

bad=$(iotgw_bad_log_lines "$run/console.log")
if [ -n "$bad" ]; then
	echo "iotgw-vm: the $kernel kernel's log shows problems:" >&2
	echo "$bad" | head -n 40 >&2
	status=1
fi

case "$mode" in
test)
	totals=$(tr -d '\r' <"$run/output.log" |
		sed -n 's/^# iotgw-vm totals: pass=\([0-9]*\) fail=\([0-9]*\)$/\1 \2/p' | tail -n 1)
	if [ -z "$totals" ]; then
		echo "iotgw-vm: the VM reported no results (kernel $kernel); last console lines:" >&2
		tail -n 30 "$run/console.log" >&2
		totals="0 1"
		status=1
	fi
	read -r passed failed <<<"$totals"
	[ "$failed" = 0 ] || status=1
	# A problem the guest could not count (timeout, splat) is one failure.
	[ "$status" = 0 ] || [ "$failed" != 0 ] || failed=1
	echo "$passed $failed" >"$run/result"
	echo "iotgw-vm: $name ($kernel kernel): $passed passed, $failed failed in ${elapsed}s" >&2
	;;
demo)
	tr -d '\r' <"$run/output.log" | grep -q '^iotgw-vm: demo exit 0$' || status=1
	;;
bench)
	tr -d '\r' <"$run/output.log" | grep -q '^iotgw-vm: bench exit 0$' || status=1
	tr -d '\r' <"$run/output.log" |
		sed -n '/^iotgw-bench: begin$/,/^iotgw-bench: end$/p' |
		sed '1d;$d' >"$run/bench.md"
	;;
esac
exit "$status"
