"""Show control against the real binary: TCP framings, bundles and timetags, latency, feedback,
mapping and learn, cue playback from a desk, a bounded flood, and recorded cues that replay to
the same event stream. Clients: python-osc, liblo's oscsend, raw sockets."""
import os
import re
import socket
import struct
import subprocess
import time

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from conftest import collect, wait_for, BIN, ROOT, OscClient, Polyphon, unique
from jackclock import FrameRecorder, contiguous, first_sound, frame_diff


def msg(address, *args):
    b = OscMessageBuilder(address=address)
    for a in args:
        b.add_arg(a)
    return b.build()


def bundle(when, *messages):
    b = OscBundleBuilder(when)
    for m in messages:
        b.add_content(m)
    return b.build().dgram


# --- TCP -----------------------------------------------------------------------------------

def slip(data):
    return b"\xc0" + data.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


def read_slip(sock):
    data = b""
    while True:
        data += sock.recv(4096)
        frames = [f for f in data.split(b"\xc0") if f]
        if data.count(b"\xc0") >= 2 and frames:
            return frames[0].replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb")


def test_tcp_slip_framing_is_answered_in_slip(polyphon):
    with socket.create_connection(("127.0.0.1", polyphon.port), timeout=5) as s:
        s.sendall(slip(msg("/polyphon/tempo", 101.0).dgram) + slip(msg("/polyphon/status").dgram))
        reply = OscMessage(read_slip(s))
    params = dict(zip(reply.params[0::2], reply.params[1::2]))
    assert reply.address == "/polyphon/status"
    assert params["tempo"] == 101


def test_tcp_size_prefix_errors_come_back_framed(polyphon):
    with socket.create_connection(("127.0.0.1", polyphon.port), timeout=5) as s:
        bad = msg("/polyphon/density", 7.0).dgram
        s.sendall(struct.pack(">i", len(bad)) + bad)
        size = struct.unpack(">i", s.recv(4))[0]
        data = b""
        while len(data) < size:
            data += s.recv(size - len(data))
    reply = OscMessage(data)
    assert reply.address == "/polyphon/error" and "out of range" in reply.params[1]


def test_python_osc_tcp_client_in_both_framings(polyphon):
    from pythonosc.tcp_client import SimpleTCPClient
    for mode, tempo in [("1.1", 103.0), ("1.0", 104.0)]:
        client = SimpleTCPClient("127.0.0.1", polyphon.port, mode=mode)
        try:
            client.send_message("/polyphon/tempo", tempo)
            client.send_message("/polyphon/status", [])
            replies = list(client.get_messages(timeout=3))
        finally:
            client.close()
        status = next(m for m in replies if m.address == "/polyphon/status")
        params = dict(zip(status.params[0::2], status.params[1::2]))
        assert params["tempo"] == tempo, (mode, params["tempo"])


def test_oscsend_over_tcp_with_a_pattern(polyphon):
    subprocess.run(["oscsend", f"osc.tcp://127.0.0.1:{polyphon.port}", "/polyphon/agent/{bass,chords}/gain", "f", "0.25"],
                   check=True, timeout=10)
    time.sleep(0.3)
    with OscClient(polyphon.port) as tablet:
        tablet.send("/polyphon/subscribe")
        state = collect(tablet, 0.5)
    assert state["/polyphon/agent/bass/gain"] == [0.25] and state["/polyphon/agent/chords/gain"] == [0.25]
    assert state["/polyphon/agent/drums/gain"] != [0.25]


# --- Bundles -------------------------------------------------------------------------------

def test_immediate_bundle_applies_all_or_nothing(polyphon, osc):
    osc.send_raw(bundle(IMMEDIATELY, msg("/polyphon/tempo", 91.0), msg("/polyphon/density", 0.35), msg("/polyphon/mood", "calm")))
    s = wait_for(lambda: (lambda s: s if s["mood"] == "calm" else None)(osc.status()), 3)
    assert s["tempo"] == 91 and abs(s["density"] - 0.35) < 1e-6
    # One bad message: nothing of the bundle is applied.
    osc.send_raw(bundle(IMMEDIATELY, msg("/polyphon/tempo", 150.0), msg("/polyphon/density", 5.0)))
    replies = [osc.receive(), osc.receive()]
    assert replies[0][0] == "/polyphon/error" and replies[0][1][0] == "/polyphon/density"
    assert replies[1][0] == "/polyphon/error" and replies[1][1][0] == "#bundle"
    time.sleep(0.2)
    assert osc.status()["tempo"] == 91


def test_timetagged_bundle_lands_on_its_frame(polyphon, jack_server, osc):
    """A bundle timetagged 150 ms ahead jumps the master gain from 0 to 1. An independent JACK
    client records Polyphon's outputs with the JACK frame of every sample; the first non-zero
    sample must be the frame the timetag maps to (by JACK's time-to-frame estimate) plus the
    master limiter's look-ahead delay, which every sample passes through."""
    s = osc.status()
    # Status `lookahead` = scheduling lookahead (one period + --lookahead-ms, 10 ms by default)
    # + the limiter's look-ahead delay (1.5 ms, 72 frames at 48 kHz).
    limiter = s["lookahead"] - s["period"] - round(0.010 * 48000)
    assert 0 < limiter < 480, f"limiter look-ahead {limiter} frames from status {s}"
    errors, spreads, disturbed = [], [], 0
    with FrameRecorder(jack_server.name, polyphon.client) as rec:
        # The recorder reads Polyphon's port in the same cycle it was written: port latency
        # describes the way to a sound card, not this connection. Printed for the record.
        port_latency = rec.playback_latency(f"{polyphon.client}:out_L")
        for _ in range(16):
            if len(errors) == 6:
                break
            osc.send("/polyphon/master/gain", 0.0)
            # The gain glides 60 dB per 50 ms and is flushed to zero below 1e-38: within about
            # 0.7 s the output is exactly zero, so the first non-zero sample marks the jump.
            assert wait_for(lambda: rec.silent_for(9600), 3), "master gain 0 is not silent"
            offset_before, xruns_before = osc.status()["jack_offset"], rec.xruns
            rec.clear()
            when = time.time() + 0.15
            expected = rec.frame_of(when)
            osc.send_raw(bundle(when, msg("/polyphon/master/gain", 1.0)))
            # JACK's estimate of the timetag's frame, read again every 3 ms until it is due: how
            # far it moves is how far Polyphon's own reading (taken when the bundle arrives) may
            # honestly differ from ours.
            estimates = [expected]
            while time.time() < when - 0.005:
                estimates.append(rec.frame_of(when))
                time.sleep(0.003)
            time.sleep(0.1)
            blocks = rec.take()
            # A cycle run late or skipped shifts one client's clock against JACK's by whole
            # periods and makes JACK reset its time estimate: such a trial measures the machine's
            # load, not the landing, and is run again. Polyphon's frame offset is read only for
            # this (its clock slips against JACK's when it misses a cycle).
            if rec.xruns != xruns_before or not contiguous(blocks) or osc.status()["jack_offset"] != offset_before:
                disturbed += 1
                continue
            onset = first_sound(blocks)
            assert onset is not None, "no sound after the gain jump"
            errors.append(frame_diff(onset, expected) - limiter)
            spreads.append((min(frame_diff(e, expected) for e in estimates), max(frame_diff(e, expected) for e in estimates)))
    print(f"timetagged gain jumps sounded {errors} frames from their timetag's frame (+{limiter} limiter look-ahead); "
          f"JACK's estimate of that frame moved by {spreads} while the bundles waited; {disturbed} trials disturbed "
          f"by xruns and run again; out_L playback latency {port_latency}")
    assert len(errors) >= 4, f"only {len(errors)} of {len(errors) + disturbed} trials ran without an xrun"
    assert osc.status()["late"] == 0
    for e, (lo, hi) in zip(errors, spreads):
        # JACK's time-to-frame estimate: two clients' conversions agree to the frame when made in
        # the same cycle; between cycles the estimate moves by the DLL's correction (`spreads`,
        # 0-4 frames on this VM, up to 12 under heavy load). Two frames more cover each client's
        # wall-clock/JACK-clock bracket (a few microseconds) and rounding: the bound is the
        # estimate's own range that trial, +-2 frames (42 us).
        assert lo - 2 <= e <= hi + 2, f"landed {e} frames off; JACK's estimate ranged {lo}..{hi}: {errors} {spreads}"


def test_late_bundle_runs_at_once_and_is_counted(polyphon, osc):
    osc.send_raw(bundle(time.time() - 5, msg("/polyphon/tempo", 77.0)))
    s = wait_for(lambda: (lambda s: s if s["tempo"] == 77 else None)(osc.status()), 3)
    assert s["late"] == 1


def test_latency_is_within_one_period_plus_lookahead(polyphon, osc):
    for i in range(20):
        osc.send("/polyphon/density", 0.3 + i * 0.01)
        time.sleep(0.02)
    s = osc.status()
    bound_ms = (s["period"] + s["lookahead"]) / 48.0
    print(f"latency: last {s['latency_ms']:.2f} ms, worst {s['worst_latency_ms']:.2f} ms; bound (period + lookahead) {bound_ms:.2f} ms")
    assert 0 < s["worst_latency_ms"] <= bound_ms, f"worst {s['worst_latency_ms']:.2f} ms, bound {bound_ms:.2f} ms"


# --- Feedback, mapping, learn --------------------------------------------------------------


def test_subscribers_follow_changes_from_anyone(polyphon, osc):
    with OscClient(polyphon.port) as tablet:
        tablet.send("/polyphon/subscribe")
        first = collect(tablet, 0.5)
        assert first["/polyphon/tempo"] == [112.0] and "/polyphon/agent/drums/mute" in first
        # Someone else moves things: the tablet hears only what changed.
        osc.send("/polyphon/tempo", 126.0)
        osc.send("/polyphon/agent/bass/mute", 1)
        changed = collect(tablet, 0.5)
        assert changed["/polyphon/tempo"] == [126.0]
        assert changed["/polyphon/agent/bass/mute"] == [1]
        assert "/polyphon/density" not in changed
        # A ping gets the whole state again.
        tablet.send("/polyphon/ping")
        again = collect(tablet, 0.5)
        assert "/polyphon/pong" in again and "/polyphon/density" in again


def test_mapping_file_and_learn(tmp_path, jack_server):
    mapfile = tmp_path / "venue.map"
    mapfile.write_text('[/1/fader3]\nto = "/polyphon/tempo"\nmin = 0\nmax = 1\nto_min = 60\nto_max = 180\n\n'
                       '[/pb/1]\nto = "/polyphon/cue/go"\n')
    p = Polyphon(jack_server.name, tmp_path, extra=["--map", str(mapfile)]).start()
    try:
        with OscClient(p.port) as touch, OscClient(p.port) as query:
            touch.send("/polyphon/subscribe")
            collect(touch, 0.3)
            subprocess.run(["oscsend", "localhost", str(p.port), "/1/fader3", "f", "0.5"], check=True, timeout=10)
            assert wait_for(lambda: query.status()["tempo"] == 120, 3)
            # The fader's own address gets feedback when the tempo changes elsewhere.
            query.send("/polyphon/tempo", 150.0)
            fb = collect(touch, 0.5)
            assert abs(fb["/1/fader3"][0] - 0.75) < 1e-3
            # Learn: the next unknown address drives the density.
            touch.send("/polyphon/learn", "/polyphon/density")
            touch.send("/2/knob", 0.25)
            assert wait_for(lambda: abs(query.status()["density"] - 0.25) < 1e-6, 3)
        assert "[/2/knob]" in mapfile.read_text(), "the learned binding was not saved"
    finally:
        p.stop()


# --- Cues from a desk ----------------------------------------------------------------------

def test_desk_loads_a_cue_file_and_fires_go(jack_server, tmp_path):
    """A desk names a cue file in the cue folder; GO releases its `wait go`."""
    folder = tmp_path / "cues"
    folder.mkdir()
    cues = folder / "show.cue"
    cues.write_text('0 /polyphon/mood "calm"\nwait go\n0 /polyphon/tempo 99\n+1 /polyphon/density 0.25\n')
    (folder / "bad.cue").write_text("0 /polyphon/tempo 999\n")
    polyphon = Polyphon(jack_server.name, tmp_path, extra=["--cue-dir", str(folder)]).start()
    try:
        with OscClient(polyphon.port) as osc:
            desk_loads_and_fires_go(polyphon, osc)
    finally:
        polyphon.stop()


def desk_loads_and_fires_go(polyphon, osc):
    reply = osc.request("/polyphon/cue/load", "bad.cue")
    assert reply[0] == "/polyphon/error" and "bad.cue:1:" in reply[1][1] and "0...100" not in reply[1][1]
    subprocess.run(["oscsend", "localhost", str(polyphon.port), "/polyphon/cue/load", "s", "show.cue"], check=True, timeout=10)
    s = wait_for(lambda: (lambda s: s if s["mood"] == "calm" else None)(osc.status()), 3)
    assert s["next"].startswith("line 2: wait go")
    time.sleep(0.5)
    assert osc.status()["tempo"] == 112, "the cue after 'wait go' fired without a GO"
    subprocess.run(["oscsend", "localhost", str(polyphon.port), "/polyphon/cue/go", "i", "1"], check=True, timeout=10)
    s = wait_for(lambda: (lambda s: s if s["tempo"] == 99 else None)(osc.status()), 3)
    assert "/polyphon/tempo 99" in s["cue"]
    assert wait_for(lambda: abs(osc.status()["density"] - 0.25) < 1e-6, 3)
    assert osc.status()["next"] == "end"


# --- Flood ---------------------------------------------------------------------------------

def flood(port, rate=20000, seconds=10):
    """Sends `rate` messages a second for `seconds` to 127.0.0.1:port, paced in 0.5 ms slices."""
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    packets = [msg("/polyphon/density", (i % 100) / 100).dgram for i in range(100)]
    sent = 0
    start = time.perf_counter()
    while sent < rate * seconds:
        due = min(rate * seconds, int((time.perf_counter() - start) * rate) + 20)
        while sent < due:
            sender.sendto(packets[sent % 100], ("127.0.0.1", port))
            sent += 1
        time.sleep(0.0005)
    sender.close()
    return sent, time.perf_counter() - start


def receive_buffer(polyphon):
    """The UDP receive buffer the kernel gave Polyphon, from its start-up log line."""
    m = re.search(r"UDP receive buffer: (\d+) bytes", polyphon.log())
    return int(m.group(1)) if m else None


def test_flood_of_20000_messages_a_second_loses_nothing(served):
    """20,000 messages/s for 10 s: every one is counted, as root and as an unprivileged user
    (whose receive buffer the kernel caps at net.core.rmem_max; docs/installation.md). Xruns are
    compared with a control run of the same sender aimed at a closed port: on this 2-core VM the
    dummy driver shows 0-2 xruns per 10 s under such a sender whether Polyphon receives or not;
    an audio thread that blocked on the OSC path would show hundreds."""
    with OscClient(served.port) as osc:
        s0 = osc.status()
        closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
        closed.close()
        flood(dead_port)
        s1 = osc.status()
        sent, elapsed = flood(served.port)
        expected = s1["received"] + 1 + sent + 1   # the status requests count too
        s2 = wait_for(lambda: (lambda s: s if s["received"] >= expected else None)(osc.status()), 10) or osc.status()
    control_xruns, flood_xruns = s1["xruns"] - s0["xruns"], s2["xruns"] - s1["xruns"]
    who = served.user.NAME if served.user else "root"
    print(f"flood as {who} (UDP receive buffer {receive_buffer(served)} bytes, net.core.rmem_max "
          f"{open('/proc/sys/net/core/rmem_max').read().strip()}): sent {sent} in {elapsed:.2f} s ({sent / elapsed:.0f}/s); "
          f"received {s2['received'] - s1['received'] - 2}; xruns during flood {flood_xruns}, during control {control_xruns}")
    assert s2["received"] - s1["received"] - 2 == sent
    assert s2["rejected"] == s0["rejected"]
    assert flood_xruns <= control_xruns + 5, f"the flood caused xruns: {flood_xruns} (control {control_xruns})"


def test_random_bytes_over_udp_crash_nothing(served):
    """5,000 malformed datagrams (seeded: noise, truncated and bit-flipped messages, broken
    bundles) at about 2,000/s, as root and as an unprivileged user: the server keeps answering,
    counts every one as received, and still takes a good message afterwards."""
    import random
    rng = random.Random(7)
    good = [msg("/polyphon/tempo", 120.0).dgram, msg("/polyphon/mood", "dark").dgram, bundle(IMMEDIATELY, msg("/polyphon/density", 0.5))]
    packets = []
    for i in range(5000):
        kind, base = i % 4, bytearray(rng.choice(good))
        if kind == 0:
            data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 64)))
        elif kind == 1:
            data = bytes(base[:rng.randrange(1, len(base))])
        elif kind == 2:
            for _ in range(rng.randrange(1, 5)):
                base[rng.randrange(len(base))] = rng.getrandbits(8)
            data = bytes(base)
        else:
            data = b"#bundle\0" + bytes(rng.getrandbits(8) for _ in range(8)) + struct.pack(">i", rng.randrange(-8, 256)) + bytes(base)
        packets.append(data)
    with OscClient(served.port) as osc:
        s0 = osc.status()
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i, data in enumerate(packets):
            sender.sendto(data, ("127.0.0.1", served.port))
            if i % 20 == 19:
                time.sleep(0.01)
        sender.close()
        expected = s0["received"] + 1 + len(packets) + 1
        s1 = wait_for(lambda: (lambda s: s if s["received"] >= expected else None)(osc.status()), 10) or osc.status()
        osc.send("/polyphon/tempo", 97.0)
        s2 = wait_for(lambda: (lambda s: s if s["tempo"] == 97 else None)(osc.status()), 3)
    assert served.proc.poll() is None, served.log()
    assert s1["received"] - s0["received"] - 2 == len(packets), f"received {s1['received'] - s0['received'] - 2} of {len(packets)}"
    assert s1["malformed"] > s0["malformed"], "no datagram was found malformed"
    assert s2 and s2["audio"] == 1


# --- Record and replay ---------------------------------------------------------------------

def read_events(path, until_frame):
    rows = open(path).read().splitlines()[1:]
    return [r for r in rows if int(r.split(",")[1]) < until_frame]


def test_recorded_cues_replay_to_the_same_event_stream(tmp_path, jack_server):
    rec, live = tmp_path / "rec.cue", tmp_path / "live.csv"
    p = Polyphon(jack_server.name, tmp_path, extra=["--record-cues", str(rec), "--events", str(live)]).start()
    try:
        with OscClient(p.port) as osc:
            for m in [("/polyphon/tempo", 132.0), ("/polyphon/density", 0.85), ("/polyphon/mood", "euphoric"),
                      ("/polyphon/key", "F"), ("/polyphon/agent/lead/density", 0.2), ("/polyphon/tempo", 96.0)]:
                osc.send(*m)
                time.sleep(0.7)
            end = osc.status()["clock"]
    finally:
        p.stop()
    recorded = rec.read_text().splitlines()
    assert len([l for l in recorded if l.startswith(("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))]) == 6
    out = tmp_path / "replay.wav"
    offline = tmp_path / "offline.csv"
    subprocess.run([BIN, "render", "--seconds", str(end / 48000 + 1), "--patch", os.path.join(ROOT, "Patches", "default.patch"),
                    "--cues", str(rec), "--events", str(offline), str(out)], check=True, timeout=120, cwd=ROOT)
    a, b = read_events(live, end - 4800), read_events(offline, end - 4800)
    assert len(a) > 50
    assert a == b, f"first difference at row {next(i for i, (x, y) in enumerate(zip(a, b)) if x != y) if a[:len(b)] != b[:len(a)] else min(len(a), len(b))}"
