#!/usr/bin/env python3
"""Write a small set of drum grooves as General MIDI files (channel 10) for `polyphon train --role drums`.

    python3 Tools/grooves.py OUTDIR

music21 has no drum corpus, so these are authored here: standard, widely taught one-bar patterns
(rock, funk, shuffle, bossa nova, half-time, breakbeat, four-on-the-floor), each with bar
variations and several fills, arranged in 8-bar phrases (3 bars groove, 1 variation, 3 groove,
1 fill, a crash on the next downbeat). The drum model learns from these: it can only play what
this file teaches it. Only mido is needed.
"""
import os
import sys

import mido

PPQ = 480
NOTE = {"K": 36, "S": 38, "g": 38, "H": 42, "O": 46, "R": 51, "C": 49, "T": 48, "L": 45, "F": 41, "r": 37, "P": 56}

# One bar each, sixteenths. x = hit (g: ghost snare, soft).
GROOVES = {
    "rock": {
        "K": "x.......x.x.....", "S": "....x.......x...", "H": "x.x.x.x.x.x.x.x.",
    },
    "rock-push": {
        "K": "x......xx.x.....", "S": "....x.......x...", "H": "x.x.x.x.x.x.x.x.",
    },
    "funk": {
        "K": "x.x.......x..x..", "S": "....x..x.x..x..x", "H": "xxxxxxxxxxxxxxxx",
    },
    "shuffle": {
        "K": "x.......x.......", "S": "....x.......x...", "H": "x..xx..xx..xx..x",
    },
    "bossa": {
        "K": "x..xx..xx..xx..x", "r": "x..x..x...x..x..", "H": "x.x.x.x.x.x.x.x.",
    },
    "half-time": {
        "K": "x.........x.....", "S": "........x.......", "H": "x.x.x.x.x.x.x.x.",
    },
    "breakbeat": {
        "K": "x.x.......xx....", "S": "....x..x.x..x..x", "H": "x.x.x.x.x.x.x.x.",
    },
    "four-on-the-floor": {
        "K": "x...x...x...x...", "S": "....x.......x...", "H": "x...x...x...x...", "O": "..x...x...x...x.",
    },
    "ride-swing": {
        "K": "x.......x.......", "S": "....x.......x...", "R": "x...x..xx...x..x",
    },
}

# Changes for the fourth bar of a phrase: (instrument, pattern) overrides.
VARIATIONS = [
    {"O": "..............x.", "H": "x.x.x.x.x.x.x..."},
    {"K": "x.......x.x...x."},
    {"S": "....x.......x..x"},
]

FILLS = [
    {"S": "........xxxxxxxx", "H": "x.x.x.x........."},
    {"T": "........xx......", "L": "..........xx....", "F": "............xxxx", "H": "x.x.x.x........."},
    {"S": "....x.......x.xx", "T": "..............x.", "K": "x.......x.x....."},
    {"S": "x..x..x.xxxx....", "F": "............x.x.", "K": "x...........x.x.", "H": "................"},
]


def bar_hits(pattern):
    hits = []
    for name, row in pattern.items():
        for i, c in enumerate(row):
            if c == "x":
                hits.append((i, NOTE[name], 100 if i % 4 == 0 else 80))
            elif c == "g":
                hits.append((i, NOTE[name], 40))
    return hits


def phrase(groove, variation, fill):
    bars = []
    for b in range(8):
        p = dict(groove)
        if b == 3:
            p.update({k: v for k, v in variation.items() if k in p or k == "O"})
        if b == 7:
            p.update(fill)
        hits = bar_hits(p)
        if b == 0:
            hits = [h for h in hits if h[1] != NOTE["H"] or h[0] != 0] + [(0, NOTE["C"], 110)]
        bars.append(hits)
    return bars


def write(path, bars, name):
    mid = mido.MidiFile(type=1, ticks_per_beat=PPQ)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    conductor.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    mid.tracks.append(conductor)
    events = []
    for b, hits in enumerate(bars):
        for step, note, vel in hits:
            tick = (b * 16 + step) * PPQ // 4
            events.append((tick, 1, note, vel))
            events.append((tick + PPQ // 8, 0, note, 0))
    events.sort()
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=name, time=0))
    now = 0
    for tick, _, note, vel in events:
        track.append(mido.Message("note_on", channel=9, note=note, velocity=vel, time=tick - now))
        now = tick
    mid.tracks.append(track)
    mid.save(path)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: grooves.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    count = 0
    for name, groove in GROOVES.items():
        for vi, variation in enumerate(VARIATIONS):
            bars = []
            for fi in range(len(FILLS)):
                bars += phrase(groove, variation, FILLS[(fi + vi) % len(FILLS)])
            write(os.path.join(out, f"{name}-{vi + 1}.mid"), bars, name)
            count += 1
    print(f"grooves: {count} files of 32 bars")


if __name__ == "__main__":
    main()
