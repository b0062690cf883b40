"""The real `polyphon serve` on a real JACK server (dummy driver), driven over real OSC sockets by
clients we did not write (liblo's oscsend, python-osc) and recorded from its JACK ports."""
import math
import signal
import socket
import struct
import subprocess
import time

import numpy as np

import audio
from conftest import wait_for, JackServer, OscClient, Polyphon, record, unique


def test_starts_and_registers_its_ports(polyphon, jack_server):
    ports = jack_server.ports()
    assert f"{polyphon.client}:out_L" in ports and f"{polyphon.client}:out_R" in ports
    assert "running at 48000 Hz" in polyphon.log()
    # Outputs go to the system playback ports by default.
    conns = subprocess.run(["jack_lsp", "-s", jack_server.name, "-c", f"{polyphon.client}:out_L"],
                           capture_output=True, text=True, timeout=10).stdout
    assert "system:playback_1" in conns


def test_oscsend_and_python_osc_change_the_tempo(polyphon, osc):
    subprocess.run(["oscsend", "localhost", str(polyphon.port), "/polyphon/tempo", "f", "128"], check=True, timeout=10)
    assert wait_for(lambda: osc.status()["tempo"] == 128, 3)
    osc.send("/polyphon/tempo", 96.0)
    assert wait_for(lambda: osc.status()["tempo"] == 96, 3)


def test_audio_is_not_silent_and_finite(polyphon, jack_server):
    x = record(jack_server.name, polyphon.client, 3.0)
    assert np.all(np.isfinite(x))
    assert audio.rms_db(x) > -40, f"recorded audio is nearly silent ({audio.rms_db(x):.1f} dB)"
    assert np.max(np.abs(x)) <= 0.8913 + 1e-4  # the -1 dBFS ceiling


def test_onset_rate_rises_with_tempo_and_density(polyphon, jack_server, osc):
    osc.send("/polyphon/tempo", 80.0)
    osc.send("/polyphon/density", 0.15)
    time.sleep(3.5)  # one bar at 80 BPM: density changes at the next bar
    slow = audio.onset_rate(record(jack_server.name, polyphon.client, 6.0))
    osc.send("/polyphon/tempo", 160.0)
    osc.send("/polyphon/density", 0.95)
    time.sleep(2.0)
    fast = audio.onset_rate(record(jack_server.name, polyphon.client, 6.0))
    assert fast > 2 * slow, f"onsets/s: slow {slow:.2f}, fast {fast:.2f}"


def test_status_reply_carries_the_new_values(polyphon, osc):
    osc.send("/polyphon/tempo", 133.0)
    osc.send("/polyphon/density", 0.3)
    osc.send("/polyphon/mood", "dark")
    osc.send("/polyphon/key", "D")
    s = wait_for(lambda: (lambda s: s if s["mood"] == "dark" else None)(osc.status()), 3)
    assert s["tempo"] == 133
    assert math.isclose(s["density"], 0.3, abs_tol=1e-6)
    assert s["key"] == "D phrygian"
    for field in ["load", "xruns", "uptime", "voices", "audio", "bar", "chord"]:
        assert field in s
    assert s["audio"] == 1 and s["uptime"] > 0 and 0 <= s["load"] < 1
    # The harmony follows at the next bar.
    assert wait_for(lambda: "phrygian" in osc.status()["key"], 4)


def test_bad_messages_get_errors_and_change_nothing(polyphon, osc):
    before = osc.status()
    bad = [
        ("/polyphon/tempo", [float("nan")], "not a finite number"),
        ("/polyphon/tempo", ["fast"], "must be a number"),
        ("/polyphon/tempo", [9000.0], "out of range"),
        ("/polyphon/density", [-0.5], "out of range"),
        ("/polyphon/mood", ["sunny"], "unknown mood"),
        ("/polyphon/mood", [3], "must be a string"),
        ("/polyphon/no/such/thing", [1.0], "unknown address"),
        ("/polyphon/agent/tuba/mute", [1], "unknown agent"),
        ("/polyphon/mood/xy", [0.5], "expects 2 arguments"),
    ]
    for address, args, reason in bad:
        reply = osc.request(address, *args)
        assert reply is not None, f"no reply to {address} {args}"
        assert reply[0] == "/polyphon/error", reply
        assert reply[1][0] == address and reason in reply[1][1], reply
    # Packets that are not OSC get an error too, and crash nothing.
    for raw in [b"\x00\x01garbage that is not OSC", b"/polyphon/tempo\x00,f\x00\x00\x01", b"#bundle\x00\x00\x00"]:
        osc.send_raw(raw)
        reply = osc.receive()
        assert reply is not None and reply[0] == "/polyphon/error" and "malformed" in reply[1][1], (raw, reply)
    after = osc.status()
    assert after is not None, "server stopped answering"
    for field in ["tempo", "density", "mood", "key", "playing"]:
        assert after[field] == before[field], field
    assert polyphon.proc.poll() is None


def test_tcp_with_size_prefix_framing(polyphon):
    msg = b"/polyphon/status\x00\x00\x00\x00,\x00\x00\x00"
    with socket.create_connection(("127.0.0.1", polyphon.port), timeout=5) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        size = struct.unpack(">i", s.recv(4))[0]
        data = b""
        while len(data) < size:
            data += s.recv(size - len(data))
    assert data.startswith(b"/polyphon/status\x00")


def test_pattern_mutes_every_agent(polyphon, jack_server, osc):
    subprocess.run(["oscsend", "localhost", str(polyphon.port), "/polyphon/agent/*/mute", "i", "1"], check=True, timeout=10)
    time.sleep(0.5)
    x = record(jack_server.name, polyphon.client, 1.5)
    assert audio.rms_db(x[24000:]) < -80, "muted band still audible"
    osc.send("/polyphon/agent/*/mute", 0)
    time.sleep(0.5)
    assert audio.rms_db(record(jack_server.name, polyphon.client, 2.0)) > -40


def test_jack_server_dying_does_not_crash_and_it_reconnects(tmp_path):
    server = JackServer().start()
    p = Polyphon(server.name, tmp_path).start()
    try:
        server.kill(signal.SIGKILL)
        assert wait_for(lambda: "JACK server shut down" in p.log(), 10), p.log()
        time.sleep(1)
        assert p.proc.poll() is None, f"polyphon died with the JACK server:\n{p.log()}"
        with OscClient(p.port) as osc:
            s = osc.status()
            assert s is not None and s["audio"] == 0
            # It comes back when a server of the same name returns.
            server = JackServer(server.name).start()
            assert wait_for(lambda: (osc.status() or {}).get("audio") == 1, 15), p.log()
        assert f"{p.client}:out_L" in server.ports()
        assert "reconnected to JACK" in p.log()
    finally:
        p.stop()
        server.kill(signal.SIGTERM)


def test_starts_its_own_jack_server_when_none_runs(tmp_path):
    name = unique("own")
    p = Polyphon(name, tmp_path).start()
    try:
        assert "starting jackd with the" in p.log()
        assert "started jackd" in p.log()
        assert ("dummy" in p.log()) or ("alsa" in p.log())
    finally:
        p.stop()
        leftover = subprocess.run(["pgrep", "-f", f"jackd -n {name}"], capture_output=True, text=True).stdout.split()
        for pid in leftover:
            subprocess.run(["kill", "-9", pid])
    assert not leftover, "polyphon left its jackd running"
    assert "stopped the jackd Polyphon started" in p.log()
