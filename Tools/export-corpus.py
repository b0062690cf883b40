#!/usr/bin/env python3
"""Export the public-domain corpus music21 ships as standard MIDI files for `polyphon train`.

    python3 Tools/export-corpus.py OUTDIR

writes OUTDIR/chorales/*.mid (Bach chorales, one track per voice, soprano first),
OUTDIR/fiddle/*.mid (Ryan's Mammoth Collection and O'Neill's 1850, one melody track) and
OUTDIR/heldout/*.mid (every 50th fiddle tune in 2/4, 4/4 or 2/2, kept out of training so the
lead model can be evaluated on tunes it never saw).

Each file carries a time signature, a key signature (music21's Krumhansl-style key analysis)
and tempo 100 BPM. A pickup bar is padded with rest so bar lines fall where the tune has them:
the style models learn metric position, so the downbeat must be right.
Only music21 and mido are needed; the corpus itself is not committed.
"""
import os
import re
import sys

import mido
from music21 import corpus, meter, note, chord, stream

PPQ = 480


def safe(name):
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:60] or "tune"


def part_events(part, pad):
    """(onset quarters, duration quarters, midi pitch) for every sounding note of a part."""
    out = []
    for el in part.flatten().notes:
        if el.duration.isGrace or el.duration.quarterLength <= 0:
            continue
        onset = float(el.getOffsetInHierarchy(part)) + pad
        dur = float(el.duration.quarterLength)
        pitches = el.pitches if isinstance(el, chord.Chord) else [el.pitch]
        for p in pitches:
            out.append((onset, dur, p.midi))
    return out


def pickup_pad(part, ts):
    measures = list(part.getElementsByClass(stream.Measure))
    if not measures or ts is None:
        return 0.0
    first = measures[0]
    bar = float(ts.barDuration.quarterLength)
    length = float(first.duration.quarterLength)
    if first.paddingLeft and first.paddingLeft > 0:
        return float(first.paddingLeft)
    if 0 < length < bar and len(measures) > 1:
        return bar - length
    return 0.0


def write_midi(path, score, parts):
    ts = None
    for t in score.recurse().getElementsByClass(meter.TimeSignature):
        ts = t
        break
    try:
        k = score.analyze("key")
        sharps, minor = k.sharps, k.mode == "minor"
        tonic_name = k.tonic.name.replace("-", "b")
        key_name = tonic_name + ("m" if minor else "")
    except Exception:
        sharps, minor, key_name = 0, False, "C"
    mid = mido.MidiFile(type=1, ticks_per_beat=PPQ)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("set_tempo", tempo=600000, time=0))
    if ts is not None:
        conductor.append(mido.MetaMessage("time_signature", numerator=ts.numerator,
                                          denominator=ts.denominator, time=0))
    try:
        conductor.append(mido.MetaMessage("key_signature", key=key_name, time=0))
    except Exception:
        pass
    mid.tracks.append(conductor)
    written = 0
    for channel, part in enumerate(parts):
        events = part_events(part, pickup_pad(part, ts))
        if not events:
            continue
        msgs = []
        for onset, dur, pitch in events:
            on = int(round(onset * PPQ))
            off = int(round((onset + dur) * PPQ))
            msgs.append((off, 0, pitch))  # note-offs sort before note-ons at the same tick
            msgs.append((on, 1, pitch))
        msgs.sort()
        track = mido.MidiTrack()
        name = part.partName or f"part {channel + 1}"
        track.append(mido.MetaMessage("track_name", name=str(name), time=0))
        now = 0
        for tick, kind, pitch in msgs:
            delta = tick - now
            now = tick
            if kind == 1:
                track.append(mido.Message("note_on", channel=channel, note=pitch, velocity=80, time=delta))
            else:
                track.append(mido.Message("note_on", channel=channel, note=pitch, velocity=0, time=delta))
        mid.tracks.append(track)
        written += 1
    if written:
        mid.save(path)
    return written, ts


def scores_in(path):
    parsed = corpus.parse(path)
    if isinstance(parsed, stream.Opus):
        return list(parsed.scores)
    return [parsed]


def duple(ts):
    return ts is not None and (ts.numerator, ts.denominator) in {(2, 4), (4, 4), (2, 2)}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: export-corpus.py OUTDIR")
    out = sys.argv[1]
    for sub in ("chorales", "fiddle", "heldout"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)

    chorales = 0
    for path in corpus.getComposer("bach"):
        try:
            score = corpus.parse(path)
        except Exception as e:
            print(f"skip {path}: {e}", file=sys.stderr)
            continue
        parts = list(score.parts)
        if len(parts) != 4:
            continue  # the chorales proper: SATB
        n, _ = write_midi(os.path.join(out, "chorales", safe(os.path.basename(str(path))) + ".mid"), score, parts)
        chorales += n > 0
    print(f"chorales: {chorales}")

    fiddle = heldout = duples = 0
    for collection in ("ryansMammoth", "oneills1850"):
        for path in sorted(corpus.getComposer(collection)):
            try:
                scores = scores_in(path)
            except Exception as e:
                print(f"skip {path}: {e}", file=sys.stderr)
                continue
            for i, score in enumerate(scores):
                title = (score.metadata.title if score.metadata and score.metadata.title else f"{os.path.basename(str(path))}-{i}")
                name = f"{collection}-{safe(os.path.basename(str(path)))}-{i:03d}-{safe(title)}"
                parts = list(score.parts) if score.parts else [score]
                ts = next(iter(score.recurse().getElementsByClass(meter.TimeSignature)), None)
                folder = "fiddle"
                if duple(ts):
                    duples += 1
                    if duples % 50 == 0:
                        folder = "heldout"
                try:
                    n, _ = write_midi(os.path.join(out, folder, name + ".mid"), score, parts[:1])
                except Exception as e:
                    print(f"skip {name}: {e}", file=sys.stderr)
                    continue
                if n:
                    if folder == "heldout":
                        heldout += 1
                    else:
                        fiddle += 1
    print(f"fiddle: {fiddle}, held out: {heldout}")


if __name__ == "__main__":
    main()
