#!/bin/bash
# PID 1 inside the iotgw VM, on the overlay of the host's root. Reads the
# job file the host wrote (iotgw_job), runs the tests, the demo or a shell,
# then powers the VM off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=${TERM:-linux}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# The root is already a writable overlay; a fresh /run hides the host's
# pid files and netns mounts, unless the tree itself lives there.
case "$iotgw_job" in
/run/*) ;;
*) mount -t tmpfs tmpfs /run ;;
esac
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up
hostname iotgw-vm

# shellcheck disable=SC1090
set -a
. "$iotgw_job"
set +a

case "$IOTGW_MODE" in
test)
	"$IOTGW_TOP/tools/vm/guest-run.sh" >/dev/ttyS1 2>&1
	;;
demo)
	"$IOTGW_TOP/tools/vm/demo.sh" >/dev/ttyS1 2>&1
	echo "iotgw-vm: demo exit $?" >/dev/ttyS1
	;;
bench)
	"$IOTGW_TOP/tools/bench/vm-bench.sh" >/dev/ttyS1 2>&1
	echo "iotgw-vm: bench exit $?" >/dev/ttyS1
	;;
shell)
	cd "$IOTGW_TOP" || true
	echo "iotgw VM ($IOTGW_KERNEL kernel): module at $IOTGW_KO; exit the shell to power off"
	setsid -c bash -l </dev/ttyS0 >/dev/ttyS0 2>&1
	;;
esac
sync
/bin/busybox reboot -f
