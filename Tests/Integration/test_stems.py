"""Stem outputs: `polyphon serve --stems` adds post-fader ports per agent for a front-of-house desk."""
import threading

import numpy as np

import audio
from conftest import Polyphon, OscClient, unique


def record_ports(server_name, ports, seconds):
    """Records the named JACK output ports; returns (frames, len(ports))."""
    import jack

    chunks = []
    done = threading.Event()
    target = int(seconds * 48000)
    client = jack.Client(unique("rec"), servername=server_name, no_start_server=True)
    ins = [client.inports.register(f"in_{i}") for i in range(len(ports))]
    state = {"n": 0}

    @client.set_process_callback
    def process(frames):
        if state["n"] < target:
            chunks.append(np.stack([p.get_array().copy() for p in ins], axis=1))
            state["n"] += frames
        elif not done.is_set():
            done.set()

    with client:
        for port, inport in zip(ports, ins):
            client.connect(port, inport)
        assert done.wait(seconds + 10), "recording did not finish"
    return np.concatenate(chunks)[:target]


def test_stems_carry_each_agent_and_follow_its_mute(jack_server, tmp_path):
    p = Polyphon(jack_server.name, tmp_path, extra=["--stems"]).start()
    try:
        names = jack_server.ports()
        for agent in ["drums", "bass", "chords", "lead"]:
            assert f"{p.client}:{agent}_L" in names and f"{p.client}:{agent}_R" in names
        x = record_ports(jack_server.name, [f"{p.client}:drums_L", f"{p.client}:bass_L"], 3.0)
        assert audio.rms_db(x[:, 0]) > -50, "drums stem is silent"
        assert audio.rms_db(x[:, 1]) > -60, "bass stem is silent"
        with OscClient(p.port) as osc:
            osc.send("/polyphon/agent/drums/mute", 1)
            import time
            time.sleep(0.5)
            y = record_ports(jack_server.name, [f"{p.client}:drums_L", f"{p.client}:out_L"], 1.5)
        assert audio.rms_db(y[:, 0]) < -80, "a muted agent's stem is still audible"
        assert audio.rms_db(y[:, 1]) > -50, "the rest of the band went quiet too"
    finally:
        p.stop()
