#!/usr/bin/env bash
# Set up, build and run Polyphon with the default patch. Extra arguments go to `polyphon serve`.
# Joins a running JACK server, or starts one (ALSA default device, else the dummy driver).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup-debian.sh
swift build -c release
exec .build/release/polyphon serve --patch Patches/default.patch "$@"
