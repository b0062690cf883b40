"""The ensemble heard from outside: a live player on the JACK MIDI input gets an answer, and an
independent beat tracker (librosa) finds the band's tempo in offline renders."""
import os
import subprocess
import threading
import time

import numpy as np
import pytest

from conftest import BIN, ROOT, OscClient, Polyphon, unique

BAR_112 = 48000 * 60 / 112 * 4


def lead_rows(path):
    rows = [r.split(",") for r in open(path).read().splitlines()[1:]]
    return [int(r[1]) for r in rows if r[2] == "lead"]


def test_a_phrase_on_the_midi_input_gets_an_answer_within_a_bar(tmp_path, jack_server):
    import jack

    events = tmp_path / "live.csv"
    p = Polyphon(jack_server.name, tmp_path, extra=["--events", str(events)]).start()
    try:
        with OscClient(p.port) as osc:
            # Below the lead's entry density it only plays to answer the player.
            osc.send("/polyphon/density", 0.3)
            time.sleep(1.0)
            client = jack.Client(unique("keys"), servername=jack_server.name, no_start_server=True)
            out = client.midi_outports.register("out")
            # Seven notes of A dorian, a beat apart at 112 BPM, each held half a beat.
            beat = int(48000 * 60 / 112)
            script = []
            for i, pitch in enumerate([69, 72, 74, 76, 74, 72, 69]):
                script.append((i * beat, (0x90, pitch, 100)))
                script.append((i * beat + beat // 2, (0x80, pitch, 0)))
            state = {"start": None, "next": 0, "last_off": None}

            @client.set_process_callback
            def process(frames):
                out.clear_buffer()
                now = client.last_frame_time
                if state["start"] is None:
                    state["start"] = now + 4096
                while state["next"] < len(script):
                    at, msg = script[state["next"]]
                    offset = state["start"] + at - now
                    if offset >= frames:
                        break
                    out.write_midi_event(max(0, offset), msg)
                    if state["next"] == len(script) - 1:
                        state["last_off"] = now + max(0, offset)
                    state["next"] += 1

            with client:
                client.connect(out, f"{p.client}:midi_in")
                deadline = time.time() + 10
                while state["last_off"] is None and time.time() < deadline:
                    time.sleep(0.05)
                assert state["last_off"] is not None, "the phrase was not sent"
                status = osc.status()
                offset = status["jack_offset"]      # JACK frame time minus polyphon's audio clock
                time.sleep(BAR_112 / 48000 + 1.5)
    finally:
        p.stop()
    stop = state["last_off"] - offset
    answer = [f for f in lead_rows(events) if f > stop - 48000]
    assert len(answer) >= 4, f"no answer from the lead: {answer}"
    delay = (answer[0] - stop) / BAR_112
    assert 0 < delay <= 1.0, f"the answer started {delay:.2f} bars after the player stopped"


def render(tmp_path, tempo, seconds=30):
    patch = tmp_path / f"t{tempo}.patch"
    text = open(os.path.join(ROOT, "Patches", "default.patch")).read()
    patch.write_text(text.replace("tempo = 112", f"tempo = {tempo}"))
    out = tmp_path / f"t{tempo}.wav"
    subprocess.run([BIN, "render", "--seconds", str(seconds), "--patch", str(patch), str(out)],
                   check=True, timeout=300, capture_output=True)
    return out


@pytest.mark.parametrize("tempo", [95, 140])
def test_a_beat_tracker_finds_the_tempo(tmp_path, tempo):
    try:
        import librosa
    except ImportError:
        pytest.skip("librosa is not installed (pip install librosa): the independent tempo check cannot run")
    wav = render(tmp_path, tempo)
    y, sr = librosa.load(str(wav), sr=22050, mono=True)
    # A fine hop (5.8 ms): librosa's default (23 ms) quantises tempo to steps of ~3.5 BPM at 140.
    hop = 128
    onset = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop)
    estimate, beats = librosa.beat.beat_track(onset_envelope=onset, sr=sr, hop_length=hop, start_bpm=120)
    times = librosa.frames_to_time(beats, sr=sr, hop_length=hop)
    assert len(times) > 20, f"librosa tracked only {len(times)} beats"
    # The tracked beats' period by a least-squares line through beat time against beat number.
    period = np.polyfit(np.arange(len(times)), times, 1)[0]
    found = 60 / period
    assert abs(found - tempo) <= tempo * 0.02, \
        f"librosa's beats give {found:.1f} BPM (its estimate {float(np.atleast_1d(estimate)[0]):.1f}) in a {tempo} BPM render"
    print(f"tempo {tempo}: librosa beats {found:.2f} BPM, estimate {float(np.atleast_1d(estimate)[0]):.1f}")


def test_each_agent_plays_its_notes_on_its_own_midi_output(tmp_path, jack_server):
    import jack

    events = tmp_path / "live.csv"
    p = Polyphon(jack_server.name, tmp_path, extra=["--midi-out", "--events", str(events)]).start()
    try:
        names = ["drums", "bass"]
        for n in names:
            assert f"{p.client}:{n}_midi" in jack_server.ports()
        got = {n: [] for n in names}
        client = jack.Client(unique("daw"), servername=jack_server.name, no_start_server=True)
        ins = {n: client.midi_inports.register(n) for n in names}

        @client.set_process_callback
        def process(frames):
            for n, port in ins.items():
                for offset, data in port.incoming_midi_events():
                    got[n].append(bytes(data))

        with client:
            for n in names:
                client.connect(f"{p.client}:{n}_midi", ins[n])
            time.sleep(4)
    finally:
        p.stop()
    rows = [r.split(",") for r in open(events).read().splitlines()[1:]]
    for n in names:
        ons = [m for m in got[n] if len(m) == 3 and m[0] & 0xF0 == 0x90 and m[2] > 0]
        offs = [m for m in got[n] if len(m) == 3 and (m[0] & 0xF0 == 0x80 or (m[0] & 0xF0 == 0x90 and m[2] == 0))]
        assert len(ons) > 8, f"{n}: only {len(ons)} note-ons on its MIDI port"
        assert len(offs) > 4, f"{n}: no note-offs"
        played = {int(r[3]) for r in rows if r[2] == n}
        assert {m[1] for m in ons} <= played, f"{n}: MIDI notes not in the event stream"
        channels = {m[0] & 0x0F for m in ons}
        if n == "drums":
            assert channels == {9}, "the drummer plays on General MIDI's drum channel (10)"
        else:
            assert len(channels) == 1 and 9 not in channels, f"{n} on channels {channels}"
