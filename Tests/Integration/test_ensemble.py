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
    print(f"answer on JACK MIDI: {len(answer)} lead notes, starting {delay:.2f} bars after the player stopped")
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


def write_midi(path, notes, bpm, key_sharps=None):
    """A format-0 standard MIDI file: notes as (beat, length, pitch), 480 ticks per beat."""
    def vlq(v):
        out = [v & 0x7F]
        v >>= 7
        while v:
            out.insert(0, (v & 0x7F) | 0x80)
            v >>= 7
        return bytes(out)
    events = []
    for beat, length, pitch in notes:
        events.append((int(beat * 480), bytes([0x90, pitch, 90])))
        events.append((int((beat + length) * 480), bytes([0x80, pitch, 0])))
    events.sort(key=lambda e: (e[0], e[1][0] == 0x90))
    body = b"\x00\xff\x51\x03" + int(60_000_000 / bpm).to_bytes(3, "big")
    body += b"\x00\xff\x58\x04\x04\x02\x18\x08"
    if key_sharps is not None:
        body += b"\x00\xff\x59\x02" + bytes([key_sharps & 0xFF, 0])
    now = 0
    for tick, data in events:
        body += vlq(tick - now) + data
        now = tick
    body += b"\x00\xff\x2f\x00"
    path.write_bytes(b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big")
                     + (480).to_bytes(2, "big") + b"MTrk" + len(body).to_bytes(4, "big") + body)


def test_render_continue_takes_the_pieces_tempo_key_and_style(tmp_path):
    # Eight bars of a tune in E-flat major (three flats) at 132 BPM: a rising-falling figure.
    figure = [0, 2, 4, 7, 9, 7, 4, 2]
    notes = [(i * 0.5, 0.45, 63 + figure[i % 8] - (12 if figure[i % 8] > 4 else 0) + 12) for i in range(64)]
    piece = tmp_path / "tune.mid"
    write_midi(piece, notes, 132, key_sharps=-3)
    out, events, midi = tmp_path / "cont.wav", tmp_path / "cont.csv", tmp_path / "cont.mid"
    r = subprocess.run([BIN, "render", "--seconds", "12", "--continue", str(piece), "--events", str(events),
                        "--midi", str(midi), str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "132 BPM" in r.stdout and "D# ionian" in r.stdout, r.stdout
    rows = [l.split(",") for l in events.read_text().splitlines()[1:]]
    assert rows and all(row[6] == "3" and row[7] == "ionian" for row in rows), "the band plays in the piece's key"
    # Downbeats of bars 1 and 2 (the kick on beat one) are a 132 BPM bar apart.
    downbeat = {}
    for row in rows:
        if row[2] == "drums" and row[3] == "36":
            downbeat.setdefault(int(row[5]), int(row[1]))
    assert abs(4 * 60 * 48000 / (downbeat[2] - downbeat[1]) - 132) < 1
    lead = [int(row[3]) for row in rows if row[2] == "lead"]
    assert len(lead) >= 8, "the lead continues the tune"
    assert all((p - 3) % 12 in (0, 2, 4, 5, 7, 9, 11) for p in lead)
    data = midi.read_bytes()
    assert data[:4] == b"MThd" and data.count(b"MTrk") == 5, "one conductor track and one per agent"
    # The MIDI file's tempo is the piece's.
    at = data.index(b"\xff\x51\x03")
    assert abs(60_000_000 / int.from_bytes(data[at + 3:at + 6], "big") - 132) < 0.5
