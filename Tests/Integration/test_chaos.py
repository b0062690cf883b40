"""Chaos against the real binary and a real jackd: four controllers over UDP and TCP poll status,
ping, subscribe and send timetagged bundles while another switches patches every 0.5 s and
SIGHUP arrives every 5 s. The show must keep time, keep answering, keep sounding, and stop on
SIGTERM within 2 s. CHAOS_SECONDS sets the length (60 in CI; Benchmarks/chaos.sh runs 600)."""
import os
import signal
import socket
import struct
import threading
import time

import numpy as np
from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from conftest import OscClient, Polyphon, record

SECONDS = float(os.environ.get("CHAOS_SECONDS", "60"))


def msg(address, *args):
    b = OscMessageBuilder(address=address)
    for a in args:
        b.add_arg(a)
    return b.build().dgram


def bundle(when, *messages):
    b = OscBundleBuilder(when)
    for m in messages:
        b.add_content(OscMessage(m))
    return b.build().dgram


def slip(data):
    return b"\xc0" + data.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


def controller(kind, port, stop, stats, seed):
    """Polls, pings, subscribes and sends timetagged bundles until `stop` is set. Never reads
    faster than it must: TCP clients read what arrives without waiting for it."""
    rng = np.random.default_rng(seed)
    if kind == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        send = lambda data: s.sendto(data, ("127.0.0.1", port))
    else:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        frame = (lambda d: slip(d)) if kind == "slip" else (lambda d: struct.pack(">i", len(d)) + d)
        send = lambda data: s.sendall(frame(data))
    s.setblocking(False)
    send(msg("/polyphon/subscribe"))
    sent = 0
    while not stop.is_set():
        choice = rng.integers(4)
        if choice == 0:
            send(msg("/polyphon/status"))
        elif choice == 1:
            send(msg("/polyphon/ping"))
        elif choice == 2:
            when = time.time() + float(rng.uniform(0.05, 0.4))
            send(bundle(when, msg("/polyphon/density", float(rng.uniform(0.3, 0.9))),
                        msg("/polyphon/agent/*/gain", float(rng.uniform(0.5, 1.0)))))
        else:
            send(msg("/polyphon/mood/xy", float(rng.uniform(0, 1)), float(rng.uniform(0, 1))))
        sent += 1
        try:
            while s.recv(65536):
                pass
        except (BlockingIOError, socket.timeout):
            pass
        time.sleep(0.02)
    stats[kind] = sent
    s.close()


def test_status_polling_patch_switches_and_sighup_together(jack_server, tmp_path):
    poly = Polyphon(jack_server.name, tmp_path).start()
    stop = threading.Event()
    stats = {}
    threads = [threading.Thread(target=controller, args=(k, poly.port, stop, stats, i), daemon=True)
               for i, k in enumerate(["udp", "udp", "tcp", "slip"])]
    for t in threads:
        t.start()
    bars, answer_ms, errors, switches, hups = [], [], [], 0, 0
    started = time.time()
    next_switch, next_hup, names = started, started + 5, ["ambient.patch", "default.patch"]
    try:
        with OscClient(poly.port) as probe, OscClient(poly.port) as desk:
            while time.time() - started < SECONDS:
                now = time.time()
                if now >= next_switch:
                    desk.send("/polyphon/patch", names[switches % 2])
                    switches += 1
                    next_switch += 0.5
                if now >= next_hup:
                    os.kill(poly.proc.pid, signal.SIGHUP)
                    hups += 1
                    next_hup += 5
                t0 = time.time()
                st = probe.status(timeout=2.0)
                assert st is not None, f"status unanswered at {time.time() - started:.1f} s:\n{poly.log()[-3000:]}"
                answer_ms.append((time.time() - t0) * 1000)
                bars.append((time.time() - started, st["bar"]))
                while (r := desk.receive(timeout=0.001)) is not None:
                    if r[0] == "/polyphon/error":
                        errors.append(r[1])
                time.sleep(0.05)
            last_switch = time.time()
        stop.set()
        for t in threads:
            t.join(5)
        assert poly.proc.poll() is None, f"polyphon died:\n{poly.log()[-3000:]}"
        assert not errors, f"patch switches refused: {errors[:3]}"
        # The bar counter kept advancing: never backwards, and onwards in every 5 s window.
        values = [b for _, b in bars]
        assert all(b2 >= b1 for b1, b2 in zip(values, values[1:])), f"bar went backwards: {values}"
        for w in np.arange(0, SECONDS - 5, 5):
            window = [b for t, b in bars if w <= t < w + 5]
            assert window and window[-1] > window[0], f"bar stalled between {w} and {w + 5} s: {window}"
        # After the storm: status within 200 ms, and the band still sounds.
        with OscClient(poly.port) as probe:
            after = []
            for _ in range(20):
                t0 = time.time()
                assert probe.status(timeout=1.0) is not None
                after.append((time.time() - t0) * 1000)
                time.sleep(0.05)
        audio = record(jack_server.name, poly.client, 4.0)
        tail = audio[2 * 48000:, 0]
        rms = float(np.sqrt(np.mean(tail ** 2)))
        print(f"chaos {SECONDS:.0f} s: {switches} patch switches, {hups} SIGHUPs, controllers sent {stats}; "
              f"status during: median {np.median(answer_ms):.1f} ms, p99 {np.percentile(answer_ms, 99):.1f} ms, max {max(answer_ms):.1f} ms; "
              f"after: max {max(after):.1f} ms; bars {values[0]} -> {values[-1]}; output RMS after the last switch {20 * np.log10(rms + 1e-12):.1f} dBFS")
        assert max(after) < 200, f"status after the chaos took {max(after):.0f} ms"
        assert rms > 10 ** (-50 / 20), f"silent after the last switch ({rms})"
    finally:
        stop.set()
        t0 = time.time()
        if poly.proc.poll() is None:
            poly.proc.send_signal(signal.SIGTERM)
            try:
                poly.proc.wait(timeout=10)
            except Exception:
                poly.proc.kill()
        took = time.time() - t0
        poly.stop()
    print(f"SIGTERM to exit: {took * 1000:.0f} ms")
    assert took < 2.0, f"SIGTERM took {took:.2f} s"
