"""Unattended installations, against the real binary: JACK restarts, kill -9 and the state
file, SIGHUP reloads, a missing patch, access rules, rate limits, the shared secret, metrics,
and systemd's notify socket and watchdog. Loopback only, bounded in count and time."""
import json
import os
import shutil
import signal
import socket
import time
import urllib.request

from pythonosc.osc_message_builder import OscMessageBuilder

from conftest import collect, wait_for, ROOT, JackServer, OscClient, Polyphon, free_port, unique


def test_jack_killed_and_restarted_20_times(tmp_path):
    server = JackServer().start()
    p = Polyphon(server.name, tmp_path).start()
    backs = []
    try:
        with OscClient(p.port) as osc:
            for i in range(20):
                server.kill(signal.SIGKILL)
                assert wait_for(lambda: (osc.status() or {}).get("audio") == 0, 10), f"round {i}: the loss was not noticed"
                clock0 = osc.status()["clock"]
                t0 = time.time()   # from launching jackd, its own start-up included
                server = JackServer(server.name).start()
                back = wait_for(lambda: (lambda s: s if s["audio"] == 1 and s["clock"] > clock0 else None)(osc.status()), 5)
                backs.append(time.time() - t0)
                assert back, f"round {i}: no audio 5 s after the server returned"
        print(f"JACK restarts: audio back after median {sorted(backs)[10]:.2f} s, worst {max(backs):.2f} s "
              f"from launching jackd (20 rounds)")
        assert max(backs) <= 2.0, backs
        assert p.proc.poll() is None
        assert p.log().count("reconnected to JACK") == 20
    finally:
        p.stop()
        server.kill(signal.SIGTERM)


def test_state_survives_kill_9(jack_server, tmp_path):
    state = tmp_path / "state.json"
    cues = tmp_path / "set.cue"
    cues.write_text("0 /polyphon/density 0.4\nwait go\n0 /polyphon/density 0.7\nwait go\n0 /polyphon/density 0.9\n")
    p = Polyphon(jack_server.name, tmp_path, extra=["--state", str(state), "--seed", "11", "--cues", str(cues)]).start()
    port = p.port
    with OscClient(port) as osc:
        for m in [("/polyphon/tempo", 131.0), ("/polyphon/mood", "dark"), ("/polyphon/agent/bass/mute", 1), ("/polyphon/cue/go", 1)]:
            osc.send(*m)
        assert wait_for(lambda: abs(osc.status()["density"] - 0.7) < 1e-6, 3)
        time.sleep(1.5)   # the state is saved once a second
    p.kill9()
    saved = json.loads(state.read_text())
    assert saved["controls"]["tempo"] == 131 and saved["seed"] == 11 and saved["cueIndex"] == 3
    assert not os.path.exists(str(state) + ".tmp")
    again = Polyphon(jack_server.name, tmp_path, extra=["--state", str(state)], port=port).start()
    try:
        with OscClient(port) as osc:
            s = osc.status()
            assert s["tempo"] == 131 and s["mood"] == "dark" and abs(s["density"] - 0.7) < 1e-6
            assert s["next"].startswith("line 4: wait go"), s["next"]
            osc.send("/polyphon/subscribe")
            fb = collect(osc, 0.5)
            assert fb["/polyphon/agent/bass/mute"] == [1]
        assert "restoring the state saved" in again.log()
    finally:
        again.stop()
    assert json.loads(state.read_text())["restarts"] == 2


def test_sighup_keeps_a_broken_patch_out_and_switches_to_a_good_one(jack_server, tmp_path):
    patch = tmp_path / "live.patch"
    shutil.copy(os.path.join(ROOT, "Patches", "default.patch"), patch)
    p = Polyphon(jack_server.name, tmp_path, patch=str(patch)).start()
    try:
        with OscClient(p.port) as osc:
            assert osc.status()["patch"] == "Night Shift"
            patch.write_text(patch.read_text().replace('tempo = 112', 'tempo = "fast"'))
            p.proc.send_signal(signal.SIGHUP)
            assert wait_for(lambda: "has errors, keeping the one playing" in p.log(), 5)
            assert "live.patch:6:9: error: 'tempo' expects a number" in p.log()
            assert osc.status()["patch"] == "Night Shift" and osc.status()["audio"] == 1
            shutil.copy(os.path.join(ROOT, "Patches", "ambient.patch"), patch)
            p.proc.send_signal(signal.SIGHUP)
            assert wait_for(lambda: osc.status()["patch"] == "Slow Water", 5)
            # The new band's agents are addressable; the old one's are gone.
            osc.send("/polyphon/agent/pads/gain", 0.5)
            assert osc.receive(timeout=0.5) is None, "the new patch's agent was refused"
            reply = osc.request("/polyphon/agent/drums/mute", 1)
            assert reply[0] == "/polyphon/error" and "unknown agent 'drums'" in reply[1][1]
            time.sleep(2.5)
            assert osc.status()["voices"] > 0
    finally:
        p.stop()


def test_missing_patch_falls_back_and_bad_state_path_is_reported(jack_server, tmp_path):
    p = Polyphon(jack_server.name, tmp_path, patch=str(tmp_path / "gone.patch"),
                 extra=["--state", "/proc/polyphon-nowhere/state.json"]).start()
    try:
        log = p.log()
        assert "gone.patch: file not found" in log
        assert "playing the built-in default patch" in log
        assert "cannot write the state file" in log
        with OscClient(p.port) as osc:
            assert osc.status()["patch"] == "Night Shift" and osc.status()["audio"] == 1
    finally:
        p.stop()


def config(tmp_path, text):
    path = tmp_path / unique("c")
    path.write_text(text)
    return str(path)


def test_read_only_role_and_rate_limit(jack_server, tmp_path):
    conf = config(tmp_path, '[access]\ncontrol = "127.0.0.2"\nread_only = "127.0.0.1"\nrate_limit = 50\n')
    p = Polyphon(jack_server.name, tmp_path, extra=["--config", conf]).start()
    try:
        with OscClient(p.port) as viewer:
            reply = viewer.request("/polyphon/tempo", 150.0)
            assert reply[0] == "/polyphon/error" and "read-only" in reply[1][1]
            assert viewer.status()["tempo"] == 112
        ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ctl.bind(("127.0.0.2", 0))
        tempo = OscMessageBuilder(address="/polyphon/tempo")
        tempo.add_arg(140.0)
        ctl.sendto(tempo.build().dgram, ("127.0.0.1", p.port))
        with OscClient(p.port) as viewer:
            assert wait_for(lambda: viewer.status()["tempo"] == 140, 3)
        # The controller floods: it is cut to 50 messages/s; the viewer is not affected.
        density = OscMessageBuilder(address="/polyphon/density")
        density.add_arg(0.5)
        for _ in range(1000):
            ctl.sendto(density.build().dgram, ("127.0.0.1", p.port))
        ctl.close()
        with OscClient(p.port) as viewer:
            time.sleep(0.3)
            s = viewer.status()
            assert s is not None and s["received"] < 200, s["received"]
        assert "rate limit: dropping OSC from 127.0.0.2" in p.log()
    finally:
        p.stop()


def test_tcp_control_needs_the_shared_secret(jack_server, tmp_path):
    from pythonosc.tcp_client import SimpleTCPClient
    conf = config(tmp_path, '[access]\nsecret = "opensesame"\n')
    p = Polyphon(jack_server.name, tmp_path, extra=["--config", conf]).start()
    try:
        client = SimpleTCPClient("127.0.0.1", p.port, mode="1.1")
        try:
            client.send_message("/polyphon/tempo", 150.0)
            first = list(client.get_messages(timeout=2))
            assert first[0].address == "/polyphon/error" and "shared secret" in first[0].params[1]
            client.send_message("/polyphon/auth", "wrong")
            assert list(client.get_messages(timeout=2))[0].params[1] == "wrong secret"
            client.send_message("/polyphon/auth", "opensesame")
            assert list(client.get_messages(timeout=2))[0].address == "/polyphon/auth"
            client.send_message("/polyphon/tempo", 150.0)
            client.send_message("/polyphon/status", [])
            status = next(m for m in client.get_messages(timeout=3) if m.address == "/polyphon/status")
            assert dict(zip(status.params[0::2], status.params[1::2]))["tempo"] == 150
        finally:
            client.close()
    finally:
        p.stop()


def test_udp_control_needs_the_shared_secret_too(jack_server, tmp_path):
    """The secret protects UDP as it protects TCP: per sender address and port."""
    conf = config(tmp_path, '[access]\nsecret = "opensesame"\n')
    p = Polyphon(jack_server.name, tmp_path, extra=["--config", conf]).start()
    try:
        with OscClient(p.port) as desk, OscClient(p.port) as stranger:
            reply = desk.request("/polyphon/tempo", 150.0)
            assert reply[0] == "/polyphon/error" and "shared secret" in reply[1][1], reply
            assert desk.request("/polyphon/auth", "wrong")[1][1] == "wrong secret"
            assert desk.request("/polyphon/auth", "opensesame")[0] == "/polyphon/auth"
            assert desk.request("/polyphon/tempo", 150.0, timeout=0.5) is None
            assert desk.status()["tempo"] == 150
            # Another port on the same host has not authenticated.
            reply = stranger.request("/polyphon/tempo", 90.0)
            assert reply[0] == "/polyphon/error" and "read-only" in reply[1][1]
            assert stranger.status()["tempo"] == 150
        assert "who can steer the show" in p.log() and "shared secret" in p.log()
    finally:
        p.stop()


def test_metrics_endpoint(jack_server, tmp_path):
    port = free_port()
    p = Polyphon(jack_server.name, tmp_path, extra=["--metrics-port", str(port)]).start()
    try:
        with OscClient(p.port) as osc:
            osc.request("/polyphon/tempo", 999.0)
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        values = {l.split()[0]: float(l.split()[1]) for l in text.splitlines() if l and not l.startswith("#")}
        for name in ["polyphon_xruns_total", "polyphon_callback_load", "polyphon_voices", "polyphon_osc_received_total",
                     "polyphon_osc_dropped_total", "polyphon_osc_rejected_total", "polyphon_uptime_seconds", "polyphon_restarts_total"]:
            assert name in values, name
        assert values["polyphon_osc_rejected_total"] >= 1 and values["polyphon_audio_running"] == 1
    finally:
        p.stop()


def test_systemd_ready_and_watchdog_only_while_audio_flows(tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    server = JackServer().start()
    p = Polyphon(server.name, tmp_path, env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1500000"})

    def drain(seconds):
        got = []
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                got.append(sock.recv(512).decode())
            except socket.timeout:
                pass
        return got

    try:
        p.start()
        got = drain(2.0)
        assert any(m.startswith("READY=1") for m in got), got
        assert got.count("WATCHDOG=1") >= 2, got
        server.kill(signal.SIGKILL)
        assert wait_for(lambda: "JACK server shut down" in p.log(), 5)
        drain(0.6)
        assert "WATCHDOG=1" not in drain(2.0), "keep-alives went on without audio"
    finally:
        p.stop()
        sock.close()
        # A killed server's slot in JACK's shared registry (8 slots) is reclaimed only by a server
        # of the same name: start it again and stop it cleanly, so no slot leaks.
        server.kill(signal.SIGKILL)
        JackServer(server.name).start().kill(signal.SIGTERM)


def test_an_edited_config_wins_over_the_saved_state(jack_server, tmp_path):
    """The artist changes the patch in the config and restarts: the new patch plays, and the log
    says where each value came from."""
    state = tmp_path / "state.json"
    conf = tmp_path / "venue.conf"
    default, ambient = os.path.join(ROOT, "Patches", "default.patch"), os.path.join(ROOT, "Patches", "ambient.patch")
    conf.write_text(f'[server]\npatch = "{default}"\nstate = "{state}"\n')
    p = Polyphon(jack_server.name, tmp_path, extra=["--config", str(conf)], patch=default).start()
    with OscClient(p.port) as osc:
        osc.send("/polyphon/tempo", 131.0)
        assert wait_for(lambda: osc.status()["tempo"] == 131, 3)
        first = osc.status()["patch"]
        time.sleep(1.5)
    p.stop()
    # Unchanged config: the saved state comes back.
    again = Polyphon(jack_server.name, tmp_path, extra=["--config", str(conf)], patch=default).start()
    with OscClient(again.port) as osc:
        assert osc.status()["tempo"] == 131
    again.stop()
    # Edited config: it wins.
    conf.write_text(f'[server]\npatch = "{ambient}"\nstate = "{state}"\n')
    edited = Polyphon(jack_server.name, tmp_path, extra=["--config", str(conf)], patch=ambient).start()
    try:
        with OscClient(edited.port) as osc:
            s = osc.status()
            assert s["patch"] != first and s["tempo"] != 131, s
        assert "starting from the config, not the saved state" in edited.log()
    finally:
        edited.stop()
