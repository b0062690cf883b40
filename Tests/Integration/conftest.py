"""Fixtures: a private JACK server (dummy driver) per test, the real `polyphon serve` binary, an
OSC client on a real UDP socket, and a JACK recorder. Everything runs on 127.0.0.1 and is stopped
by PID, bounded in time."""
import atexit
import itertools
import os
import signal
import socket
import subprocess
import time
import uuid

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("POLYPHON_BIN", os.path.join(ROOT, ".build", "release", "polyphon"))
_counter = itertools.count()


def unique(prefix):
    return f"{prefix}{os.getpid()}x{next(_counter)}x{uuid.uuid4().hex[:4]}"


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


class JackServer:
    """`jackd -n NAME -d dummy`, a direct child so it is reaped, stopped by PID. `user` (an
    `UnprivilegedUser`) runs it as that user, as deploy/polyphon-jack.service does."""

    def __init__(self, name=None, user=None):
        self.name = name or unique("pt")
        self.proc = None
        self.user = user

    def start(self):
        prefix, env = (self.user.prefix, self.user.env()) if self.user else ([], None)
        self.proc = subprocess.Popen(
            prefix + ["jackd", "-n", self.name, "--port-max", "64", "-d", "dummy", "-r", "48000", "-p", "256"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        r = subprocess.run(prefix + ["jack_wait", "-s", self.name, "-w", "-t", "10"], capture_output=True, text=True,
                           timeout=15, env=env)
        assert "available" in r.stdout, f"jackd {self.name} did not start: {r.stdout} {r.stderr}"
        return self

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def ports(self):
        r = subprocess.run(["jack_lsp", "-s", self.name], capture_output=True, text=True, timeout=10)
        return r.stdout.split()


class Polyphon:
    """The real binary, `polyphon serve`, with its log in a file. `user` (an `UnprivilegedUser`)
    runs it as that user, from copies it can read, as deploy/polyphon.service does."""

    def __init__(self, server_name, tmp_path, extra=(), patch=None, env=None, port=None, user=None):
        self.port = port or free_port()
        self.client = unique("poly")
        self.server_name = server_name
        self.log_path = tmp_path / f"{self.client}.log"
        self.extra = list(extra)
        self.user = user
        root = user.root if user else ROOT
        self.patch = patch or os.path.join(root, "Patches", "default.patch")
        self.env = env or {}
        self.proc = None

    def start(self, wait_for_audio=True):
        base = self.user.env() if self.user else os.environ
        env = dict(base, JACK_DEFAULT_SERVER=self.server_name, **self.env)
        self.log_file = open(self.log_path, "a")
        prefix, binary, cwd = (self.user.prefix, self.user.bin, self.user.root) if self.user else ([], BIN, ROOT)
        self.proc = subprocess.Popen(
            prefix + [binary, "serve", "--patch", self.patch, "--port", str(self.port),
                      "--client-name", self.client] + self.extra,
            env=env, stdin=subprocess.DEVNULL, stdout=self.log_file, stderr=subprocess.STDOUT, cwd=cwd)
        deadline = time.time() + 20
        with OscClient(self.port) as osc:
            while time.time() < deadline:
                assert self.proc.poll() is None, f"polyphon exited early:\n{self.log()}"
                status = osc.status(timeout=0.3)
                if status and (status["audio"] == 1 or not wait_for_audio):
                    return self
        raise AssertionError(f"polyphon did not come up:\n{self.log()}")

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.log_file.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if getattr(self, "log_file", None):
            self.log_file.close()


class UnprivilegedUser:
    """A system user with no rights beyond its own, like `polyphon` in deploy/polyphon.service:
    created if missing (`useradd --system --no-create-home`), commands run through `setpriv`
    (which execs, so the child's PID is the program's and signals reach it). It gets no
    real-time limits (the units' LimitRTPRIO): its jackd runs without real-time scheduling. The binary and the
    patches must be readable by it: when the checkout is not (CI clones under a root-only
    folder), they are copied to a folder it can read."""

    NAME = "polyphon-test"
    _shared = None

    @classmethod
    def get(cls):
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    def __init__(self):
        import pwd
        import shutil
        import tempfile
        try:
            pw = pwd.getpwnam(self.NAME)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", self.NAME],
                           check=True, timeout=30)
            pw = pwd.getpwnam(self.NAME)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        self.prefix = ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--init-groups", "--"]
        # A home of its own (jackd and libjack look at $HOME); /tmp/pytest-of-root is root-only.
        self.home = tempfile.mkdtemp(prefix="polyphon-user-")
        os.chown(self.home, self.uid, self.gid)
        atexit.register(shutil.rmtree, self.home, True)
        self.root, self.bin = ROOT, BIN
        if not self.can_read(BIN, os.path.join(ROOT, "Patches", "default.patch"), os.path.join(ROOT, "Patches", "models")):
            copy = tempfile.mkdtemp(prefix="polyphon-readable-")
            atexit.register(shutil.rmtree, copy, True)
            os.chmod(copy, 0o755)
            shutil.copy2(BIN, os.path.join(copy, "polyphon"))
            shutil.copytree(os.path.join(ROOT, "Patches"), os.path.join(copy, "Patches"))
            subprocess.run(["chmod", "-R", "a+rX", copy], check=True, timeout=30)
            self.root, self.bin = copy, os.path.join(copy, "polyphon")
            assert self.can_read(self.bin, os.path.join(copy, "Patches", "default.patch")), f"{self.NAME} cannot read {copy}"

    def can_read(self, *paths):
        checks = " && ".join(f"test -r '{p}'" for p in paths)
        return subprocess.run(self.prefix + ["sh", "-c", checks], env=self.env(), timeout=10).returncode == 0

    def env(self):
        return dict(os.environ, HOME=self.home, USER=self.NAME, LOGNAME=self.NAME)


class OscClient:
    """python-osc messages on one UDP socket that also receives the replies."""

    def __init__(self, port):
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.sock.close()

    def send(self, address, *args):
        b = OscMessageBuilder(address=address)
        for a in args:
            b.add_arg(a)
        self.sock.sendto(b.build().dgram, ("127.0.0.1", self.port))

    def send_raw(self, data):
        self.sock.sendto(data, ("127.0.0.1", self.port))

    def receive(self, timeout=2.0):
        self.sock.settimeout(timeout)
        try:
            data, _ = self.sock.recvfrom(65536)
        except socket.timeout:
            return None
        m = OscMessage(data)
        return m.address, list(m.params)

    def request(self, address, *args, timeout=2.0):
        self.send(address, *args)
        return self.receive(timeout)

    def status(self, timeout=2.0):
        reply = self.request("/polyphon/status", timeout=timeout)
        if not reply or reply[0] != "/polyphon/status":
            return None
        p = reply[1]
        return dict(zip(p[0::2], p[1::2]))


def wait_for(predicate, timeout, interval=0.05):
    """Polls `predicate` until it returns something truthy, at most `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def collect(client, seconds):
    """Every message `client` receives for `seconds`, the last one per address."""
    out = {}
    deadline = time.time() + seconds
    while time.time() < deadline:
        r = client.receive(timeout=max(0.01, deadline - time.time()))
        if r:
            out[r[0]] = r[1]
    return out


def record(server_name, source_client, seconds):
    """Records the client's two output ports through a python JACK client; returns (frames, 2)."""
    import jack
    import numpy as np
    import threading

    chunks = []
    done = threading.Event()
    target = int(seconds * 48000)
    client = jack.Client(unique("rec"), servername=server_name, no_start_server=True)
    ins = [client.inports.register("in_L"), client.inports.register("in_R")]
    state = {"n": 0}

    @client.set_process_callback
    def process(frames):
        if state["n"] < target:
            chunks.append(np.stack([ins[0].get_array().copy(), ins[1].get_array().copy()], axis=1))
            state["n"] += frames
        elif not done.is_set():
            done.set()

    with client:
        client.connect(f"{source_client}:out_L", ins[0])
        client.connect(f"{source_client}:out_R", ins[1])
        assert done.wait(seconds + 10), "recording did not finish"
    return np.concatenate(chunks)[:target]


@pytest.fixture
def jack_server():
    server = JackServer().start()
    yield server
    server.kill(signal.SIGTERM)


@pytest.fixture
def polyphon(jack_server, tmp_path):
    p = Polyphon(jack_server.name, tmp_path).start()
    yield p
    p.stop()


@pytest.fixture(params=["root", "unprivileged"])
def served(request, tmp_path):
    """Polyphon and its jackd as root, then as an unprivileged system user (as the systemd units
    run them), for the tests whose figures depend on privileges (socket buffers)."""
    user = None
    if request.param == "unprivileged":
        if os.geteuid() != 0:
            pytest.skip("already unprivileged: the root run above is this case")
        user = UnprivilegedUser.get()
    server = JackServer(user=user).start()
    p = None
    try:
        p = Polyphon(server.name, tmp_path, user=user).start()
        yield p
    finally:
        if p:
            p.stop()
        server.kill(signal.SIGTERM)


@pytest.fixture
def osc(polyphon):
    with OscClient(polyphon.port) as client:
        yield client
