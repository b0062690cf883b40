#!/usr/bin/env bash
# Installs what Polyphon needs on Debian (12+). Idempotent: installs only what is missing.
#   bash deploy/setup-debian.sh          # to build and run
#   bash deploy/setup-debian.sh --bench  # also scsynth and Csound for Benchmarks/versus.py
#   bash deploy/setup-debian.sh --test   # also the test tools (liblo-tools, python-osc, JACK-Client, pytest,
#                                        # librosa for the independent beat-tracker check)
set -euo pipefail
want_test=0
want_bench=0
[ "${1:-}" = "--test" ] && want_test=1
[ "${1:-}" = "--bench" ] && want_bench=1

# fluidsynth and a General MIDI SoundFont for the acoustic instruments.
packages=(jackd2 libjack-jackd2-dev liblo-dev pkg-config libfluidsynth-dev fluid-soundfont-gm)
[ "$want_test" = 1 ] && packages+=(liblo-tools procps util-linux passwd mount python3 python3-pip)
# The engines Benchmarks/versus.py compares against: SuperCollider's scsynth and Csound.
[ "$want_bench" = 1 ] && packages+=(supercollider-server csound python3 python3-numpy)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" != 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  # No recommends: jackd2 would otherwise pull in Qt, GTK and qjackctl.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$want_test" = 1 ]; then
  py=(python-osc JACK-Client numpy scipy pytest librosa)
  if ! python3 -c "import pythonosc, jack, numpy, scipy, pytest, librosa" 2>/dev/null; then
    echo "installing python test clients: ${py[*]}"
    python3 -m pip install --quiet "${py[@]}" 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages "${py[@]}"
  fi
fi
command -v swift >/dev/null || { echo "Swift 6 is required: see https://www.swift.org/install/linux/" >&2; exit 1; }
