#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (tools/vm/run.sh --mode bench): each benchmark of
# BENCH_SECTIONS (default: all) in its own script, with the module
# loaded fresh for it. The markdown they print goes out between two
# marker lines, for tools/bench/run.sh to put into BENCH.md; what they say
# on stderr shows as it comes.
set -u
bench=$IOTGW_TOP/tools/bench
out=$(mktemp)
status=0

echo "# bench: kernel $(uname -r), $(nproc) CPUs, qemu TCG"
for s in ${BENCH_SECTIONS:-ingest forward delivery profile}; do
	echo "# bench: $s"
	start=$(date +%s)
	if ! timeout -k 5 "${BENCH_SECTION_TIMEOUT:-900}" "$bench/$s.sh" >>"$out"; then
		echo "# bench: $s FAILED"
		echo "**$s: the benchmark failed; see the run's output.**" >>"$out"
		status=1
	fi
	echo >>"$out"
	# the section's namespaces, and the queues in them, go asynchronously
	for i in $(seq 50); do
		grep -q '^iotgw ' /proc/modules || break
		rmmod iotgw 2>/dev/null && break
		sleep 0.2
	done
	echo "# bench: $s took $(( $(date +%s) - start ))s"
done
echo "iotgw-bench: begin"
cat "$out"
echo "iotgw-bench: end"
rm -f "$out"
exit "$status"
