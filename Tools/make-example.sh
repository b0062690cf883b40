#!/usr/bin/env bash
# Renders the README's example from docs/media/example.cue: an OGG to listen to and a
# spectrogram to look at. Needs a release build and sox (Debian: sox libsox-fmt-base).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/polyphon
[ -x "$bin" ] || swift build -c release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" render --seconds 32 --seed 3 --patch Patches/default.patch --cues docs/media/example.cue "$tmp/example.wav"
sox "$tmp/example.wav" -C 4 docs/media/night-shift.ogg
sox "$tmp/example.wav" -n remix 1,2 rate 24k spectrogram -x 1200 -y 360 -z 90 -t "Polyphon, default patch: calm, then driving (bar 3), then dark (bar 9)" -c "render --seconds 32 --cues docs/media/example.cue" -o docs/media/night-shift.png
ls -l docs/media/night-shift.ogg docs/media/night-shift.png
