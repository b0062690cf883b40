#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers that take untrusted input (Fuzz/Harness/Parsers.swift):
# OSC packets, cue files, patches, settings documents and installation configs.
#
#   bash Fuzz/run.sh 60s        # fuzz for 60 seconds
#   bash Fuzz/run.sh 10000000   # fuzz for ten million executions
#   FUZZ_SANITIZE=fuzzer,address bash Fuzz/run.sh 300s   # with AddressSanitizer: about 5x slower,
#                                                        # but it sees over-reads (CI uses it)
#
# Extra arguments after the first go to libFuzzer (`-only_ascii=1`, `-seed=7`, ...).
#
# How it is built: SwiftPM links every executable's `main` to the module's own entry point,
# and `-sanitize=fuzzer` links libFuzzer's `main` whole, so `swift build --product` cannot link
# a fuzzer. This script compiles the harness and its dependencies with SwiftPM in its own build
# folder (.build-fuzz, never the normal .build) with `-sanitize=fuzzer -DFUZZING`, then links the
# objects itself with `swiftc -sanitize=fuzzer`, so libFuzzer's `main` drives the harness. A normal
# `swift build` compiles the same harness without -DFUZZING as a corpus replayer.
#
# Fuzz/corpus holds the seeds (read only here); what the fuzzer learns goes to
# .build-fuzz/corpus, and a crash, hang or out-of-memory input to .build-fuzz/artifacts/, with
# libFuzzer's exit status (non-zero) as the script's. A one-core job: one process, no workers.
set -euo pipefail
cd "$(dirname "$0")/.."

budget="${1:?usage: Fuzz/run.sh SECONDSs|RUNS [libFuzzer options...]}"
shift
sanitize="${FUZZ_SANITIZE:-fuzzer}"
build=".build-fuzz${sanitize#fuzzer}"
build="${build//,/-}"

# Compile only the harness's module closure (so every object in the build folder belongs to it).
mkdir -p "$build"
if ! swift build -c release --build-path "$build" --target polyphon-fuzz \
        -Xswiftc "-sanitize=$sanitize" -Xswiftc -DFUZZING > "$build/build.log" 2>&1; then
    grep -E 'error' "$build/build.log" | head -20
    echo "fuzz: the harness did not build (log: $build/build.log)"
    exit 1
fi
objects=("$build"/release/*.build/*.o)
# (With address, gold warns that it cannot export ASan's local symbols; harmless, so hidden.)
swiftc "-sanitize=$sanitize" -emit-executable -o "$build/polyphon-fuzz" "${objects[@]}" \
    -L/usr/lib/x86_64-linux-gnu -llo -lfluidsynth 2>&1 | { grep -v 'Cannot export local symbol' || true; }
[ "${PIPESTATUS[0]}" = 0 ] || { echo "fuzz: the harness did not link"; exit 1; }

case "$budget" in
    *s) limit=(-max_total_time="${budget%s}") ;;
    *)  limit=(-runs="$budget") ;;
esac
mkdir -p "$build/corpus" "$build/artifacts"
# Swift's runtime keeps metadata caches for the life of the process; they are not leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
exec "$build/polyphon-fuzz" "${limit[@]}" \
    -max_len=4096 -timeout=5 -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
    -dict=Fuzz/polyphon.dict -artifact_prefix="$build/artifacts/" "$@" \
    "$build/corpus" Fuzz/corpus/*/
