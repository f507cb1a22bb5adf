#!/usr/bin/env bash
# run.sh SECONDS TARGET...: run each libFuzzer target for SECONDS on a copy
# of its committed seed corpus (tools/fuzz/corpus/NAME/); fail on the first
# crash, leak or timeout, showing the reproducer's path.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=$1
shift
status=0
for target in "$@"; do
	name=$(basename "$target")
	name=${name#fuzz_}
	seeds=$top/tools/fuzz/corpus/$name
	work=$top/build/fuzz/corpus/$name
	art=$top/build/fuzz/crashes/$name/
	mkdir -p "$work" "$art" "$seeds"
	log=$top/build/fuzz/$name.log
	if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$art" -print_final_stats=1 \
		"$work" "$seeds" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz $name: ${runs:-?} runs in ${seconds}s, no crash"
	else
		echo "fuzz $name: FAILED (log $log)"
		grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -n 20
		status=1
	fi
done
exit "$status"
