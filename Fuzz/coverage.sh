#!/usr/bin/env bash
# Edge coverage of the readers by a corpus, per source file, from the fuzzer build's own
# instrumentation (libFuzzer -print_coverage): run Fuzz/run.sh first.
#   bash Fuzz/coverage.sh                        # the seeds and what the fuzzer has learned
#   bash Fuzz/coverage.sh Fuzz/corpus/*/         # the seeds alone
set -euo pipefail
cd "$(dirname "$0")/.."
fuzzer=.build-fuzz/polyphon-fuzz
[ -x "$fuzzer" ] || { echo "no $fuzzer: run bash Fuzz/run.sh 1 first"; exit 1; }
[ $# -gt 0 ] || set -- .build-fuzz/corpus Fuzz/corpus/*/
"$fuzzer" -runs=0 -print_coverage=1 -max_len=4096 "$@" 2>&1 |
    awk '/COVERED_FUNC/ {
            split($5, e, "/"); file = $NF; sub(/:[0-9]+$/, "", file); sub(/.*\/Sources\//, "", file)
            hit[file] += e[1]; all[file] += e[2]
         }
         END { for (f in all) printf "%6d / %6d edges  %5.1f%%  %s\n", hit[f], all[f], all[f] ? 100 * hit[f] / all[f] : 0, f }' |
    grep -E 'Control/(OSCPacket|OSCCodec|OSCMessage|CueList|Access)|Engine/(Patch|PatchInstrument|SettingsDocument|SoundFontSettings|SynthSettings|EffectSettings)|Installation/(InstallationConfig|Schedule)\.swift' |
    sort -k6
