#!/usr/bin/env bash
# The chaos test for 10 minutes (CI runs it for 60 s): four controllers over UDP and TCP polling
# status, pinging, subscribing and sending timetagged bundles, a patch switch every 0.5 s and a
# SIGHUP every 5 s, against the release binary on a private jackd. Prints the figures.
#   bash Benchmarks/chaos.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .build/release/polyphon ] || swift build -c release
CHAOS_SECONDS="${1:-600}" POLYPHON_BIN="$PWD/.build/release/polyphon" \
  python3 -m pytest -s -q -p no:cacheprovider Tests/Integration/test_chaos.py
