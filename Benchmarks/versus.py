#!/usr/bin/env python3
"""Polyphon against scsynth and Csound on the same synth workloads (issue 3, "Measured").

W1: 64 voices, W2: 256 voices. Each voice is two saws 7 cents apart into a resonant 2-pole
low-pass at 2 kHz (Q about 1), shaped by an ADSR (5 ms, 100 ms, 0.7, 50 ms); every voice is
retriggered every 250 ms with a random pitch (MIDI 36..95, SplitMix64 from the seed, the same
generator `polyphon-bench workload` uses), held 200 ms and released for 50 ms, voices staggered evenly
across the 250 ms. Stereo, 48 kHz, 60 s (10 s with --quick).

Every engine renders offline to a 32-bit float WAV on one thread; the figure is the CPU time
(user + system) of the whole process, from wait4, per second of audio. Every render is checked:
a silent, short or NaN-carrying file, a second that drops out, an engine error message, or a
Polyphon score that differs from the one written here voids the benchmark.

Timing: Polyphon applies each event at its exact sample, splitting the block there. scsynth
applies a score's commands at the start of the 64-frame block they fall in, and Csound starts
notes on k-cycles (ksmps 64). The `polyphon-block` row moves Polyphon's events to block starts
too (`polyphon-bench workload --align 64`), so the two costs can be told apart.

scsynth: one persistent synth per voice (SynthDef written here in SCgf version 2: Saw, Saw,
+, RLPF, EnvGen adsr, *, Out), /n_set gate 0 at note-off and freq + gate 1 at retrigger.
Csound: one instance per note (vco2 x2, lowpass2, madsr, outs), sr 48000, ksmps 64.

  python3 Benchmarks/versus.py [--polyphon-bench .build/release/polyphon-bench] [--runs 3] [--quick]
"""

import argparse
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile

import numpy as np

RATE = 48000
PERIOD = RATE // 4           # frames between retriggers of one voice
RELEASE = 0.05               # seconds
GATE = PERIOD - int(RELEASE * RATE)
LOWEST_NOTE, NOTE_SPAN = 36, 60
VOICES_PER_TRACK = 64
DETUNE_RATIO = 2 ** (7 / 1200)
CUTOFF = 2000.0
# Polyphon's resonance 0.3 is damping k = 1.414214 - 1.39 * 0.3; RLPF takes rq = k, lowpass2 Q = 1/k.
DAMPING = 1.414214 - 1.39 * 0.3
VELOCITY = 0.8
BLOCK = 64
MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE5E9B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


def score(voices, seconds, seed):
    """Notes as (on_frame, off_frame, slot, midi_note), in note-on order, exactly as `polyphon-bench workload`
    plays them: slots are dealt round-robin to tracks of at most 64 voices, and a pitch still held
    on the slot's track is drawn again (so Polyphon's note-off by pitch always finds its voice)."""
    rng = SplitMix64(seed)
    total = int(seconds * RATE)
    tracks = (voices + VOICES_PER_TRACK - 1) // VOICES_PER_TRACK
    notes = []
    i = 0
    while True:
        on = (i // voices) * PERIOD + (i % voices) * PERIOD // voices
        if on >= total:
            return notes
        slot = i % voices
        # Held: started, and not released at or before this frame (note-offs come first).
        held = {n for (o, off, s, n) in notes[max(0, i - voices):] if off > on and s % tracks == slot % tracks}
        while True:
            note = LOWEST_NOTE + rng.next() % NOTE_SPAN
            if note not in held:
                break
        notes.append((on, on + GATE, slot, note))
        i += 1


def hz(note):
    return 440.0 * 2 ** ((note - 69) / 12)


def voice_amp(voices):
    # Polyphon: velocity * 0.32 per voice (two oscillators), track gain 1/sqrt(voices), centre pan 0.75.
    return VELOCITY * 0.32 / voices ** 0.5 * 0.75


# ---------------------------------------------------------------- SuperCollider (scsynth -N)

def pstring(s):
    b = s.encode()
    return struct.pack(">B", len(b)) + b


def synthdef(name):
    """SCgf version 2 bytes of: two detuned Saw.ar -> + -> RLPF.ar -> * EnvGen.ar(adsr, gate) -> Out.ar(0, [x, x])."""
    consts = [DETUNE_RATIO, CUTOFF, DAMPING, 0.0, 1.0,
              # Env.adsr(0.005, 0.1, 0.7, 0.05, curve -4): init 0, 3 segments, release node 2, no loop
              3.0, 2.0, -99.0, 0.005, 5.0, -4.0, 0.7, 0.1, 0.05]
    ci = {v: i for i, v in enumerate(consts)}

    def c(v):
        return (-1, ci[v])

    params = [("freq", 440.0), ("gate", 1.0), ("amp", 0.1)]
    KR, AR = 1, 2
    env = [c(0.0), c(3.0), c(2.0), c(-99.0),
           c(1.0), c(0.005), c(5.0), c(-4.0),
           c(0.7), c(0.1), c(5.0), c(-4.0),
           c(0.0), c(0.05), c(5.0), c(-4.0)]
    # (class, rate, inputs, output rates, special index); inputs are (ugen, output) or constants.
    ugens = [
        ("Control", KR, [], [KR, KR, KR], 0),                       # 0: freq gate amp
        ("BinaryOpUGen", KR, [(0, 0), c(DETUNE_RATIO)], [KR], 2),   # 1: freq * ratio
        ("Saw", AR, [(0, 0)], [AR], 0),                             # 2
        ("Saw", AR, [(1, 0)], [AR], 0),                             # 3
        ("BinaryOpUGen", AR, [(2, 0), (3, 0)], [AR], 0),            # 4: +
        ("RLPF", AR, [(4, 0), c(CUTOFF), c(DAMPING)], [AR], 0),     # 5
        ("EnvGen", AR, [(0, 1), (0, 2), c(0.0), c(1.0), c(0.0)] + env, [AR], 0),  # 6: amp as level scale
        ("BinaryOpUGen", AR, [(5, 0), (6, 0)], [AR], 2),            # 7: *
        ("Out", AR, [c(0.0), (7, 0), (7, 0)], [], 0),               # 8
    ]
    out = b"SCgf" + struct.pack(">iH", 2, 1) + pstring(name)
    out += struct.pack(">i", len(consts)) + b"".join(struct.pack(">f", v) for v in consts)
    out += struct.pack(">i", len(params)) + b"".join(struct.pack(">f", v) for _, v in params)
    out += struct.pack(">i", len(params)) + b"".join(pstring(n) + struct.pack(">i", i) for i, (n, _) in enumerate(params))
    out += struct.pack(">i", len(ugens))
    for cls, rate, inputs, outputs, special in ugens:
        out += pstring(cls) + struct.pack(">biih", rate, len(inputs), len(outputs), special)
        out += b"".join(struct.pack(">ii", u, o) for u, o in inputs)
        out += b"".join(struct.pack(">b", r) for r in outputs)
    out += struct.pack(">H", 0)  # no variants
    return out


def osc_pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def osc_message(address, *args):
    tags, data = ",", b""
    for a in args:
        if isinstance(a, bytes):
            tags += "b"
            data += struct.pack(">i", len(a)) + a + b"\0" * (-len(a) % 4)
        elif isinstance(a, str):
            tags += "s"
            data += osc_pad(a.encode())
        elif isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        else:
            tags += "f"
            data += struct.pack(">f", a)
    return osc_pad(address.encode()) + osc_pad(tags.encode()) + data


def osc_bundle(seconds, messages):
    tag = int(round(seconds * (1 << 32)))
    body = osc_pad(b"#bundle") + struct.pack(">Q", tag)
    for m in messages:
        body += struct.pack(">i", len(m)) + m
    return body


def sc_score(voices, seconds, seed):
    """NRT score: one persistent synth per voice, /n_set gate 0 at note-off, freq + gate 1 at retrigger."""
    by_frame = {}
    amp = voice_amp(voices)
    for on, off, slot, note in score(voices, seconds, seed):
        node = 1000 + slot
        if on < PERIOD:
            m = osc_message("/s_new", "versus", node, 1, 0, "freq", hz(note), "gate", 1.0, "amp", amp)
        else:
            m = osc_message("/n_set", node, "freq", hz(note), "gate", 1.0)
        by_frame.setdefault(on, []).append(m)
        by_frame.setdefault(off, []).append(osc_message("/n_set", node, "gate", 0.0))
    total = int(seconds * RATE)
    out = b""
    for frame, msgs in [(0, [osc_message("/d_recv", synthdef("versus"))])] + sorted(by_frame.items()):
        if frame < total:
            b = osc_bundle(frame / RATE, msgs)
            out += struct.pack(">i", len(b)) + b
    end = osc_bundle(seconds, [osc_message("/c_set", 0, 0.0)])  # the score's end is the render's length
    return out + struct.pack(">i", len(end)) + end


# ---------------------------------------------------------------- Csound

def csound_csd(voices, seconds, seed):
    # Csound plays every release to its end; notes near the end are shortened so the file ends
    # within one release (50 ms) of the others, with the same number of voices until then.
    total = int(seconds * RATE)
    lines = [f"i1 {on / RATE:.6f} {max(1, min(GATE, total - on - int(RELEASE * RATE))) / RATE:.6f} {hz(n):.4f}"
             for on, _, _, n in score(voices, seconds, seed)]
    return f"""<CsoundSynthesizer>
<CsOptions>
</CsOptions>
<CsInstruments>
sr = {RATE}
ksmps = {BLOCK}
nchnls = 2
0dbfs = 1

instr 1
  aenv madsr 0.005, 0.1, 0.7, {RELEASE}
  a1 vco2 {voice_amp(voices):.6f}, p4
  a2 vco2 {voice_amp(voices):.6f}, p4 * {DETUNE_RATIO:.6f}
  af lowpass2 a1 + a2, {CUTOFF}, {1 / DAMPING:.4f}
  aout = af * aenv
  outs aout, aout
endin
</CsInstruments>
<CsScore>
{chr(10).join(lines)}
f0 {seconds}
e
</CsScore>
</CsoundSynthesizer>
"""


# ---------------------------------------------------------------- running and checking

def timed(cmd, log):
    """Runs cmd; returns (exit status, CPU seconds user+system of the child, its output)."""
    with open(log, "wb") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
    with open(log, errors="replace") as f:
        text = f.read()
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, text


def read_float_wav(path):
    """(rate, frames x channels float32) of a 32-bit float WAV, skipping chunks such as scsynth's PEAK."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        body = raw[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
            if fmt[0] == 0xFFFE and len(body) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the subformat names the type
                fmt = (struct.unpack("<H", body[24:26])[0],) + fmt[1:]
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    if fmt is None or data is None:
        raise ValueError("no fmt or data chunk")
    tag, channels, rate, _, _, bits = fmt
    if tag != 3 or bits != 32:
        raise ValueError(f"not 32-bit float (format {tag}, {bits} bits)")
    samples = np.frombuffer(data[:len(data) // (4 * channels) * 4 * channels], dtype="<f4")
    return rate, samples.reshape(-1, channels)


def check_render(path, seconds, engine):
    """Reasons the render is void (an empty list when it is good), and its RMS in dBFS."""
    problems = []
    try:
        rate, data = read_float_wav(path)
    except Exception as e:  # noqa: BLE001 - any read failure voids the render
        return [f"cannot read {path}: {e}"], None
    data = np.asarray(data, dtype=np.float64)
    if rate != RATE:
        problems.append(f"sample rate {rate}")
    if data.ndim != 2 or data.shape[1] != 2:
        problems.append(f"shape {data.shape}, not stereo")
        return problems, None
    if not -2 * BLOCK <= len(data) - seconds * RATE <= RELEASE * RATE + 2 * BLOCK:
        problems.append(f"{len(data)} frames, expected {int(seconds * RATE)}")
    bad = int(np.count_nonzero(~np.isfinite(data)))
    if bad:
        problems.append(f"{bad} NaN/Inf samples")
        data = np.nan_to_num(data)
    peak = float(np.max(np.abs(data))) if len(data) else 0.0
    if peak < 1e-3:
        problems.append(f"silent (peak {peak:.2e})")
    # Every voice sounds all the time, so no second after the first may drop out.
    seconds_rms = [float(np.sqrt(np.mean(data[i:i + RATE] ** 2))) for i in range(RATE, len(data) - RATE + 1, RATE)]
    if seconds_rms and min(seconds_rms) < 0.3 * statistics.median(seconds_rms):
        problems.append(f"level drops out (quietest second {min(seconds_rms):.2e}, median {statistics.median(seconds_rms):.2e})")
    rms = float(np.sqrt(np.mean(data ** 2))) if len(data) else 0.0
    return [f"{engine}: {p}" for p in problems], 20 * np.log10(max(rms, 1e-12))


def engine_errors(engine, text):
    markers = {"scsynth": ["FAILURE", "not found", "exception", "error"],
               "csound": ["INIT ERROR", "PERF ERROR", "error:", "could not"],
               "polyphon": ["Error", "void"], "polyphon-block": ["Error", "void"]}[engine]
    return [f"{engine} says: {line.strip()}" for line in text.splitlines()
            if any(m.lower() in line.lower() for m in markers)]


def same_score(polyphon, voices, seconds, seed, base):
    """Fails unless `polyphon-bench workload` plays exactly the notes written here for scsynth and Csound."""
    path = base + "-polyphon-notes.csv"
    subprocess.run([polyphon, "workload", "--voices", str(voices), "--seconds", f"{seconds:g}", "--seed", str(seed),
                    "--score", path], check=True, stdout=subprocess.DEVNULL)
    with open(path) as f:
        theirs = [tuple(int(x) for x in line.split(",")) for line in f.read().split()[1:]]
    tracks = (voices + VOICES_PER_TRACK - 1) // VOICES_PER_TRACK
    ours = [(on, slot % tracks, note) for on, _, slot, note in score(voices, seconds, seed)]
    if ours != theirs:
        first = next((i for i, (x, y) in enumerate(zip(ours, theirs)) if x != y), min(len(ours), len(theirs)))
        sys.exit(f"BENCHMARK VOID: scores differ at note {first} "
                 f"(here {ours[first:first + 1]}, polyphon {theirs[first:first + 1]}, {len(ours)} vs {len(theirs)} notes)")
    print(f"  {voices} voices: polyphon plays the same {len(ours)} notes as the scsynth and Csound scores "
          f"(first {seconds:g} s checked)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--polyphon-bench", "--polyphon", dest="polyphon", default=".build/release/polyphon-bench",
                    help="release binary of polyphon-bench (its `workload` command)")
    ap.add_argument("--runs", type=int, default=3, help="runs per engine and workload; medians are reported")
    ap.add_argument("--quick", action="store_true", help="10 s of audio instead of 60 s (smoke test)")
    ap.add_argument("--seconds", type=float, help="seconds of audio (overrides --quick)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workloads", default="W1,W2", help="comma list of W1 (64 voices), W2 (256 voices)")
    ap.add_argument("--engines", default="polyphon,polyphon-block,scsynth,csound",
                    help="polyphon-block: Polyphon with every event moved to its 64-frame block start, "
                         "the timing scsynth and Csound give these scores (Polyphon is otherwise sample-exact)")
    ap.add_argument("--keep", help="keep scores and renders in this directory")
    a = ap.parse_args()
    seconds = a.seconds or (10.0 if a.quick else 60.0)
    voices_of = {"W1": 64, "W2": 256}
    workloads = [w.strip() for w in a.workloads.split(",") if w.strip()]
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    for w in workloads:
        if w not in voices_of:
            sys.exit(f"unknown workload {w}")
    tools = {"polyphon": a.polyphon, "polyphon-block": a.polyphon, "scsynth": shutil.which("scsynth"), "csound": shutil.which("csound")}
    for e in engines:
        if e not in tools:
            sys.exit(f"unknown engine {e}")
        if not tools[e] or not os.access(tools[e], os.X_OK):
            sys.exit(f"{e} not found ({tools[e]}); build it with `swift build -c release --product polyphon-bench`, "
                     "install scsynth and csound with `apt-get install supercollider-server csound`")

    work = a.keep or tempfile.mkdtemp(prefix="versus-")
    os.makedirs(work, exist_ok=True)
    results = {}   # (workload, engine) -> list of CPU seconds
    inner = {}     # (workload) -> Polyphon render-loop CPU seconds
    levels = {}
    void = []
    for w in workloads:
        voices = voices_of[w]
        base = os.path.join(work, f"{w}-{voices}")
        with open(base + ".osc", "wb") as f:
            f.write(sc_score(voices, seconds, a.seed))
        with open(base + ".csd", "w") as f:
            f.write(csound_csd(voices, seconds, a.seed))
        cmds = {
            "polyphon": [tools["polyphon"], "workload", "--voices", str(voices), "--seconds", f"{seconds:g}",
                         "--seed", str(a.seed), "--block", str(BLOCK), "--out", base + "-polyphon.wav"],
            "polyphon-block": [tools["polyphon"], "workload", "--voices", str(voices), "--seconds", f"{seconds:g}",
                               "--seed", str(a.seed), "--block", str(BLOCK), "--align", str(BLOCK),
                               "--out", base + "-polyphon-block.wav"],
            "scsynth": [tools["scsynth"], "-N", base + ".osc", "_", base + "-scsynth.wav", str(RATE), "WAV", "float",
                        "-o", "2", "-i", "0", "-z", str(BLOCK), "-m", str(1 << 17), "-n", "4096", "-D", "0", "-V", "-1"],
            "csound": [tools["csound"], "-W", "-f", "-o", base + "-csound.wav", "--nodisplays", "-d", "-m0",
                       base + ".csd"],
        }
        if "polyphon" in engines or "polyphon-block" in engines:
            same_score(tools["polyphon"], voices, min(seconds, 10.0), a.seed, base)
        for run in range(a.runs):
            for e in engines:
                status, cpu, text = timed(cmds[e], f"{base}-{e}.log")
                out = f"{base}-{e}.wav"
                problems = [f"{e} exited with {status}"] if status != 0 else []
                problems += engine_errors(e, text)
                found, level = check_render(out, seconds, e)
                problems += found
                if e == "polyphon":
                    fields = dict(kv.split("=", 1) for line in text.splitlines() if line.startswith(("workload ", "check "))
                                  for kv in line.split()[1:])
                    if "cpu_seconds" in fields:
                        inner.setdefault(w, []).append(float(fields["cpu_seconds"]))
                    if run == 0:
                        print(f"  {w} polyphon: " + " ".join(l for l in text.splitlines() if l.startswith("check ")))
                if problems:
                    void += [f"{w} run {run + 1}: {p}" for p in problems]
                results.setdefault((w, e), []).append(cpu)
                levels[(w, e)] = level
                print(f"  {w} run {run + 1} {e}: {cpu:.3f} CPU-s for {seconds:g} s, RMS "
                      f"{level if level is None else round(level, 1)} dBFS{'  VOID' if problems else ''}", flush=True)

    print()
    print(f"CPU-seconds per audio-second (median of {a.runs}, whole process incl. startup and file writing; "
          f"{seconds:g} s at {RATE} Hz, {BLOCK}-frame blocks, one thread each)")
    print(f"{'workload':<14}{'engine':<16}{'CPU-s/audio-s':>14}{'x realtime':>12}{'vs Polyphon':>13}")
    for w in workloads:
        ref = statistics.median(results[(w, "polyphon")]) if (w, "polyphon") in results else None
        for e in engines:
            m = statistics.median(results[(w, e)])
            ratio = f"{m / ref:.2f}x" if ref else "-"
            print(f"{w + ' (' + str(voices_of[w]) + ')':<14}{e:<16}{m / seconds:>14.4f}{seconds / m:>12.1f}{ratio:>13}")
        if w in inner:
            r = statistics.median(inner[w])
            print(f"{'':<14}{'polyphon render loop only:':<30}{r / seconds:.4f} CPU-s/audio-s, {seconds / r:.1f}x realtime")
    if void:
        print("\nBENCHMARK VOID: a render failed its checks:", file=sys.stderr)
        for v in void:
            print("  " + v, file=sys.stderr)
        sys.exit(1)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
