"""Bad `polyphon serve` options stop the start, before anything is started: a non-zero exit, a
message naming the option, and no JACK server launched for it. Each case runs the real binary
with no JACK server of its (unique) name running, so a server would have been started had the
option been let through; afterwards no process and no socket of that name may exist."""
import glob
import os
import signal
import subprocess

import pytest

from conftest import BIN, unique

VALID_CUES = "0 /polyphon/tempo 120\n"
WRONG_AGENT_CUES = "0 /polyphon/agent/nobody/gain 0.5\n"


def jack_processes(name):
    """PIDs of processes whose command line names the JACK server `name`."""
    pids = []
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(path, "rb") as f:
                words = f.read().split(b"\0")
        except OSError:
            continue
        if b"jackd" in b" ".join(words) and name.encode() in words:
            pids.append(int(path.split("/")[2]))
    return pids


def write_files(tmp):
    """The files the cases name, in the test's own folder."""
    (tmp / "good.cues").write_text(VALID_CUES)
    (tmp / "wrong-agent.cues").write_text(WRONG_AGENT_CUES)
    (tmp / "broken.cues").write_text("0 tempo\n")
    (tmp / "broken.conf").write_text("[server]\nudp_port = 99999\n")
    (tmp / "cues-missing.conf").write_text(f'[server]\ncues = "{tmp}/nope.cues"\n')


# Case: (arguments given the test's folder, the option the message must name).
CASES = {
    "feedback-no-port": (lambda t: ["--feedback", "127.0.0.1"], "--feedback"),
    "feedback-bad-port": (lambda t: ["--feedback", "127.0.0.1:70000"], "--feedback"),
    "feedback-not-a-number": (lambda t: ["--feedback", "127.0.0.1:nine"], "--feedback"),
    "feedback-host-name": (lambda t: ["--feedback", "desk.local:9001"], "--feedback"),
    "feedback-one-bad-of-two": (lambda t: ["--feedback", "127.0.0.1:9001", "--feedback", "127.0.0.1:"], "--feedback"),
    "log-level": (lambda t: ["--log-level", "loud"], "--log-level"),
    "map-missing": (lambda t: ["--map", str(t / "nope.map")], "--map"),
    "map-is-a-folder": (lambda t: ["--map", str(t)], "--map"),
    "port-zero": (lambda t: ["--port", "0"], "--port"),
    "port-too-high": (lambda t: ["--port", "65536"], "--port"),
    "tcp-port": (lambda t: ["--tcp-port", "70000"], "--tcp-port"),
    "metrics-port": (lambda t: ["--metrics-port=-1"], "--metrics-port"),
    "lookahead-negative": (lambda t: ["--lookahead-ms=-5"], "--lookahead-ms"),
    "lookahead-nan": (lambda t: ["--lookahead-ms", "nan"], "--lookahead-ms"),
    "bind": (lambda t: ["--bind", "everywhere"], "--bind"),
    "client-name-empty": (lambda t: ["--client-name", ""], "--client-name"),
    "client-name-too-long": (lambda t: ["--client-name", "x" * 64], "--client-name"),
    "config-missing": (lambda t: ["--config", str(t / "nope.conf")], "--config"),
    "config-broken": (lambda t: ["--config", str(t / "broken.conf")], "--config"),
    "cues-missing": (lambda t: ["--cues", str(t / "nope.cues")], "--cues"),
    "cues-broken": (lambda t: ["--cues", str(t / "broken.cues")], "--cues"),
    "cues-name-no-agent": (lambda t: ["--cues", str(t / "wrong-agent.cues")], "--cues"),
    "config-cues-missing": (lambda t: ["--config", str(t / "cues-missing.conf")], "cues"),
    "record-cues-no-folder": (lambda t: ["--record-cues", str(t / "no" / "such" / "rec.cues")], "--record-cues"),
    "events-is-a-folder": (lambda t: ["--events", str(t)], "--events"),
}


def run_serve(args, tmp_path, server):
    """Runs serve with no JACK server of that name; ends any jackd it left (by PID) and returns
    (exit code, output, PIDs of jackd processes it left)."""
    env = dict(os.environ, JACK_DEFAULT_SERVER=server)
    env.pop("JACK_NO_START_SERVER", None)
    try:
        r = subprocess.run([BIN, "serve", "--bind", "127.0.0.1", "--no-auto-connect"] + args, cwd=tmp_path, env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        code, output = r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        code, output = None, f"still running after 60 s: {e.stdout} {e.stderr}"
    left = jack_processes(server)
    for pid in left:
        os.kill(pid, signal.SIGTERM)
    return code, output, left


@pytest.mark.parametrize("case", list(CASES))
def test_bad_option_stops_the_start(case, tmp_path):
    write_files(tmp_path)
    arguments, option = CASES[case]
    args = arguments(tmp_path)
    server = unique("opt")
    code, output, left = run_serve(args, tmp_path, server)
    assert code not in (0, None), f"exit {code}:\n{output}"
    assert option in output, f"the message does not name {option}:\n{output}"
    assert "expects" in output or "errors" in output or "does not fit" in output, f"the message says nothing of what was expected:\n{output}"
    assert left == [], f"a JACK server '{server}' was started (pids {left}):\n{output}"
    assert glob.glob(f"/dev/shm/jack_{server}_*") == [], f"JACK server '{server}' left its sockets"


def test_the_checks_let_a_good_cue_file_through(tmp_path):
    """The control: the same run with good options gets past the checks to JACK (and, told not
    to start a server, stops there), so the cases above fail for their option, not for anything."""
    (tmp_path / "good.cues").write_text(VALID_CUES)
    server = unique("opt")
    code, output, left = run_serve(["--no-start-server", "--cues", str(tmp_path / "good.cues"),
                                    "--feedback", "127.0.0.1:9001", "--log-level", "debug"], tmp_path, server)
    assert code not in (0, None)
    assert "no JACK server is running" in output, output
    assert left == []
