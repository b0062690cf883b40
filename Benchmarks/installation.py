#!/usr/bin/env python3
"""Installation benchmark (not run in CI; takes about 20 minutes):

1. Soak: `polyphon-bench soak --hours 24` renders a day of music offline through the example
   config's schedule and reports peak RSS at start and end and the counts of NaN, clipped
   samples and silent gaps.
2. Memory under live serving: `polyphon serve` on a private dummy JACK server with steady OSC
   input (20 messages/s of tempo, density, mood and mutes, plus status queries) for 10 minutes;
   RSS after 1 minute and after 10 minutes.

Usage: python3 Benchmarks/installation.py [--hours 24] [--minutes 10]
Loopback only; every process it starts is stopped by PID.
"""
import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid

from pythonosc.osc_message_builder import OscMessageBuilder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("POLYPHON_BIN", os.path.join(ROOT, ".build", "release", "polyphon"))
BENCH_BIN = os.environ.get("POLYPHON_BENCH_BIN", os.path.join(ROOT, ".build", "release", "polyphon-bench"))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def msg(address, value):
    b = OscMessageBuilder(address=address)
    if value is not None:
        b.add_arg(value)
    return b.build().dgram


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=24)
    ap.add_argument("--minutes", type=float, default=10)
    args = ap.parse_args()

    print(f"== soak: {args.hours} h offline through deploy/polyphon.conf's schedule", flush=True)
    subprocess.run([BENCH_BIN, "soak", "--hours", str(args.hours), "--config", os.path.join(ROOT, "deploy", "polyphon.conf"),
                    "--patch", os.path.join(ROOT, "Patches", "default.patch")], check=True, cwd=ROOT)

    print(f"== live: {args.minutes} min of serving under steady OSC", flush=True)
    name = f"bench{uuid.uuid4().hex[:6]}"
    jackd = subprocess.Popen(["jackd", "-n", name, "--port-max", "64", "-d", "dummy", "-r", "48000", "-p", "256"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["jack_wait", "-s", name, "-w", "-t", "10"], capture_output=True, timeout=15)
    port = random.randint(20000, 40000)
    serve = subprocess.Popen([BIN, "serve", "--port", str(port), "--client-name", name, "--log-level", "warning"],
                             env=dict(os.environ, JACK_DEFAULT_SERVER=name), cwd=ROOT,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        moods = ["calm", "driving", "dark", "euphoric", "playful"]
        start = time.time()
        samples = {}
        sent = 0
        while time.time() - start < args.minutes * 60:
            t = time.time() - start
            for m in [msg("/polyphon/density", random.random()), msg("/polyphon/tempo", random.uniform(80, 140)),
                      msg("/polyphon/mood", random.choice(moods)), msg("/polyphon/agent/lead/mute", random.randint(0, 1)),
                      msg("/polyphon/status", None)]:
                sock.sendto(m, ("127.0.0.1", port))
                sent += 1
            for mark in [60, args.minutes * 60 - 1]:
                if t >= mark and mark not in samples:
                    samples[mark] = rss_mb(serve.pid)
                    print(f"live: RSS after {mark / 60:.0f} min: {samples[mark]:.2f} MB ({sent} messages sent)", flush=True)
            time.sleep(0.25)
        first, last = samples.get(60, 0), samples.get(args.minutes * 60 - 1, rss_mb(serve.pid))
        print(f"live: RSS grew {last - first:+.2f} MB from 1 min to {args.minutes:.0f} min (aim: under 1 MB)")
        assert serve.poll() is None, "polyphon exited during the run"
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=15)
        jackd.send_signal(signal.SIGTERM)
        jackd.wait(timeout=15)


if __name__ == "__main__":
    sys.exit(main())
