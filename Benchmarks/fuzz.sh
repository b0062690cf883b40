#!/usr/bin/env bash
# The long fuzzing run: ten million executions across the five readers (or 40 minutes, whichever
# comes first), on one core. CI runs the same harness for 60 s (Tests/run-all.sh).
#   bash Benchmarks/fuzz.sh                 # 10,000,000 executions, at most 2400 s
#   bash Benchmarks/fuzz.sh 50000000 -max_total_time=14400
# libFuzzer's last lines give the figures: executions, exec/s, covered edges ("cov:") and
# features ("ft:"), corpus size. A crash or hang leaves its input in .build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10000000}"
shift || true
exec bash Fuzz/run.sh "$runs" -max_total_time=2400 "$@"
