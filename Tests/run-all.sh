#!/usr/bin/env bash
# The whole test suite: unit tests (swift test) and integration tests against the real binary,
# a real jackd (dummy driver) and real OSC clients. Installs what is missing first.
set -uo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup-debian.sh --test || exit 1
swift build -c release || exit 1

# JACK's shared registry has 8 server slots, and a server killed with SIGKILL keeps its slot
# until a server of the same name starts again. With no jackd running, every JACK shared-memory
# file is stale and safe to clear (jackd creates them anew).
pgrep -x jackd >/dev/null || rm -rf /dev/shm/jack*

swift test 2>&1 | tee .build/unit-tests.log
unit=${PIPESTATUS[0]}

POLYPHON_BIN="$PWD/.build/release/polyphon" python3 -m pytest -v -p no:cacheprovider Tests/Integration 2>&1 | tee .build/integration-tests.log
integration=${PIPESTATUS[0]}

# One closing line for both runners.
# Swift Testing: "Test run with N tests in M suites passed|failed"; a failing test (and each of
# its argument cases) ends in "✘ Test NAME ... failed after": count the test functions.
u_total=$(grep -oE 'Test run with [0-9]+ tests?' .build/unit-tests.log | grep -oE '[0-9]+' | head -1)
u_fail=$(grep -E '^✘ Test .* failed after' .build/unit-tests.log | grep -v 'Test run with' \
  | sed -E 's/^✘ Test ("[^"]*"|[^ ]*).*/\1/' | sort -u | wc -l)
u_pass=$(( ${u_total:-0} - u_fail ))
i_pass=$(grep -oE '[0-9]+ passed' .build/integration-tests.log | tail -1 | grep -oE '[0-9]+')
i_fail=$(grep -oE '[0-9]+ failed' .build/integration-tests.log | tail -1 | grep -oE '[0-9]+')
echo "unit: ${u_pass:-0} passed, ${u_fail:-0} failed (exit $unit); integration: ${i_pass:-0} passed, ${i_fail:-0} failed (exit $integration)"
echo "tests: $(( ${u_pass:-0} + ${i_pass:-0} )) passed, $(( ${u_fail:-0} + ${i_fail:-0} )) failed"
[ "$unit" = 0 ] && [ "$integration" = 0 ]
