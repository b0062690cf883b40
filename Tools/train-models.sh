#!/bin/sh
# Rebuild the committed style models from the public-domain corpus music21 ships and the
# authored drum grooves. Needs python3 with music21 and mido; takes a few minutes.
#
#   Tools/train-models.sh [CORPUS_DIR]      (default /tmp/polyphon-corpus; not committed)
set -eu
cd "$(dirname "$0")/.."
corpus=${1:-/tmp/polyphon-corpus}
[ -d "$corpus/fiddle" ] || python3 Tools/export-corpus.py "$corpus"
[ -d "$corpus/grooves" ] || python3 Tools/grooves.py "$corpus/grooves"
# Every 8th chorale is kept out of training, to evaluate the bass model on.
if [ ! -d "$corpus/chorales-train" ]; then
    mkdir -p "$corpus/chorales-train" "$corpus/chorales-heldout"
    i=0
    for f in $(ls "$corpus/chorales" | sort); do
        i=$((i + 1))
        if [ $((i % 8)) -eq 0 ]; then dir=chorales-heldout; else dir=chorales-train; fi
        ln -sf "../chorales/$f" "$corpus/$dir/$f"
    done
fi
swift build -c release --product polyphon
bin=$(swift build -c release --show-bin-path)/polyphon
mkdir -p Patches/models
# Orders and pruning chosen on a validation tenth of the training tunes (held-out log-likelihood).
"$bin" train --role lead --order 4 --min-count 5 -o Patches/models/fiddle-lead.style \
    --source "fiddle tunes: Ryan's Mammoth Collection (1883) and O'Neill's Music of Ireland (1850), music21 corpus" \
    "$corpus/fiddle"
"$bin" train --role bass --order 3 --min-count 2 -o Patches/models/chorale-bass.style \
    --source "bass voices of the Bach chorales (7 of every 8), music21 corpus" "$corpus/chorales-train"
"$bin" train --role harmony --min-count 2 -o Patches/models/chorale-harmony.style \
    --source "chords per beat of the Bach chorales (7 of every 8), music21 corpus" "$corpus/chorales-train"
"$bin" train --role drums --min-count 2 -o Patches/models/grooves-drums.style \
    --source "grooves authored in Tools/grooves.py (rock, funk, shuffle, bossa, half-time, breakbeat, four-on-the-floor, ride swing)" \
    "$corpus/grooves"
"$bin" style-report --export "$corpus/heldout" --heldout Tests/EnsembleTests/Resources/heldout-fiddle.txt
"$bin" style-report --export "$corpus/chorales-heldout" --voice bass --heldout Tests/EnsembleTests/Resources/heldout-chorale-bass.txt
"$bin" style-report --model Patches/models/fiddle-lead.style --heldout Tests/EnsembleTests/Resources/heldout-fiddle.txt
"$bin" style-report --model Patches/models/chorale-bass.style --heldout Tests/EnsembleTests/Resources/heldout-chorale-bass.txt
# The built-in patch plays from compiled-in copies of its models: refresh them (a test compares).
python3 Tools/embed-models.py
