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

# The untrusted-input readers: the fuzz corpus replayed by the normal build, then 60 s of
# coverage-guided fuzzing under AddressSanitizer (Fuzz/run.sh; its own build folder), which also
# replays Fuzz/corpus/regressions. One test, passed or failed.
{ .build/release/polyphon-fuzz Fuzz/corpus && FUZZ_SANITIZE=fuzzer,address bash Fuzz/run.sh 60s; } 2>&1 |
    tee .build/fuzz.log | grep -vE '^#[0-9]+|Cannot export local symbol'
fuzz=${PIPESTATUS[0]}
f_pass=$(( fuzz == 0 ? 1 : 0 ))
f_fail=$(( 1 - f_pass ))

# One closing line for all runners.
# Swift Testing: "Test run with N tests in M suites passed|failed"; a failing test (and each of
# its argument cases) ends in "✘ Test NAME ... failed after": count the test functions.
u_total=$(grep -oE 'Test run with [0-9]+ tests?' .build/unit-tests.log | grep -oE '[0-9]+' | head -1)
u_fail=$(grep -E '^✘ Test .* failed after' .build/unit-tests.log | grep -v 'Test run with' \
  | sed -E 's/^✘ Test ("[^"]*"|[^ ]*).*/\1/' | sort -u | wc -l)
u_pass=$(( ${u_total:-0} - u_fail ))
i_pass=$(grep -oE '[0-9]+ passed' .build/integration-tests.log | tail -1 | grep -oE '[0-9]+')
i_fail=$(grep -oE '[0-9]+ failed' .build/integration-tests.log | tail -1 | grep -oE '[0-9]+')
echo "unit: ${u_pass:-0} passed, ${u_fail:-0} failed (exit $unit); integration: ${i_pass:-0} passed, ${i_fail:-0} failed (exit $integration); fuzz: exit $fuzz"
echo "tests: $(( ${u_pass:-0} + ${i_pass:-0} + f_pass )) passed, $(( ${u_fail:-0} + ${i_fail:-0} + f_fail )) failed"
[ "$unit" = 0 ] && [ "$integration" = 0 ] && [ "$fuzz" = 0 ]
