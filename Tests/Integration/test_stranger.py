"""`polyphon serve` started the way a stranger starts an unpacked binary: from a folder with no
Patches/, no patch file, nothing copied. It must play the built-in band (its style models are
compiled in), recorded here by an independent JACK client, and answer status over real OSC.
Also as a non-root user in a folder that user owns, and with models found next to the executable."""
import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

import audio
from conftest import BIN, ROOT, OscClient, free_port, record, unique

USER = "polyphon-stranger"
SILENCE_DB = -40  # the level test_serve.py holds the default patch to


class Stranger:
    """The real binary run from `cwd` with `args`, its log in a file, stopped by PID."""

    def __init__(self, server_name, cwd, log_path, args=(), user=None, env=None, binary=BIN):
        self.port = free_port()
        self.client = unique("str")
        self.server_name = server_name
        self.log_path = log_path
        command = [binary, "serve", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--client-name", self.client, "--no-auto-connect", "--no-start-server"] + list(args)
        environment = dict(os.environ, JACK_DEFAULT_SERVER=server_name, **(env or {}))
        if user:
            # runuser drops root; the variables go through `env` because runuser resets some.
            command = ["runuser", "-u", user, "--", "env"] + [f"{k}={v}" for k, v in (env or {}).items()] + \
                      [f"JACK_DEFAULT_SERVER={server_name}"] + command
        self.log_file = open(log_path, "a")
        self.proc = subprocess.Popen(command, cwd=cwd, env=environment, stdin=subprocess.DEVNULL,
                                     stdout=self.log_file, stderr=subprocess.STDOUT)

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def wait_until_playing(self, timeout=30):
        deadline = time.time() + timeout
        with OscClient(self.port) as osc:
            while time.time() < deadline:
                assert self.proc.poll() is None, f"polyphon exited (code {self.proc.returncode}):\n{self.log()}"
                status = osc.status(timeout=0.3)
                if status and status["audio"] == 1:
                    return status
        raise AssertionError(f"polyphon did not come up:\n{self.log()}")

    def status(self):
        with OscClient(self.port) as osc:
            return osc.status(timeout=2.0)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log_file.close()


class Jackd:
    """A private `jackd -d dummy`, a direct child stopped by PID; `env` reaches jackd and jack_wait."""

    def __init__(self, env=None):
        self.name = unique("ps")
        self.env = dict(os.environ, **(env or {}))
        self.proc = subprocess.Popen(
            ["jackd", "-n", self.name, "--no-realtime", "--port-max", "64", "-d", "dummy", "-r", "48000", "-p", "256"],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = subprocess.run(["jack_wait", "-s", self.name, "-w", "-t", "10"], env=self.env,
                           capture_output=True, text=True, timeout=15)
        if "available" not in r.stdout:
            self.stop()
            raise AssertionError(f"jackd {self.name} did not start: {r.stdout} {r.stderr}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def assert_plays(p, server_name):
    """Status answers with the built-in band, and an independent JACK client hears it."""
    status = p.wait_until_playing()
    assert status["patch"] == "Night Shift", status
    x = record(server_name, p.client, 3.0)
    level = audio.rms_db(x)
    assert level > SILENCE_DB, f"recorded audio is nearly silent ({level:.1f} dB RMS):\n{p.log()}"
    assert p.proc.poll() is None, f"polyphon stopped while playing:\n{p.log()}"
    assert p.status() is not None, "status stopped answering"
    return level


@pytest.mark.parametrize("args", [[], ["--patch", "no-such.patch"]], ids=["no-patch-option", "missing-patch-file"])
def test_plays_from_an_empty_folder(args, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    jackd = Jackd()
    p = Stranger(jackd.name, folder, tmp_path / "polyphon.log", args)
    try:
        assert_plays(p, jackd.name)
        assert "playing the built-in default patch" in p.log()
        assert os.listdir(folder) == [], "serve wrote into the working directory"
    finally:
        p.stop()
        jackd.stop()


def stranger_user():
    """The test user, made if missing; None (with the reason) when that is impossible."""
    try:
        pwd.getpwnam(USER)
    except KeyError:
        if os.geteuid() != 0:
            return None, f"user {USER} is missing and only root can add it"
        r = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                            "--shell", "/usr/sbin/nologin", USER], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            return None, f"useradd {USER} failed: {r.stderr.strip()}"
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return None, "running as another user needs root and runuser"
    return pwd.getpwnam(USER), ""


def test_plays_as_a_non_root_user_from_a_folder_it_owns(tmp_path):
    user, reason = stranger_user()
    if user is None:
        pytest.skip(reason)
    group = grp.getgrgid(user.pw_gid).gr_name
    r = subprocess.run(["runuser", "-u", USER, "--", "test", "-x", BIN], timeout=10)
    if r.returncode != 0:
        pytest.skip(f"{BIN} is not executable by {USER} (a folder on its path is closed to other users)")
    # pytest's tmp_path lives in a root-only folder; the user gets its own empty folder in /tmp.
    folder = tempfile.mkdtemp(prefix="polyphon-stranger-")
    os.chown(folder, user.pw_uid, user.pw_gid)
    # JACK keeps each user's servers apart; a promiscuous server lets the user's group (and root,
    # recording) in. Root records: JACK_PROMISCUOUS_SERVER must be set for the recorder too.
    shared = {"JACK_PROMISCUOUS_SERVER": group}
    saved = os.environ.get("JACK_PROMISCUOUS_SERVER")
    os.environ["JACK_PROMISCUOUS_SERVER"] = group
    jackd = Jackd(shared)
    p = Stranger(jackd.name, folder, tmp_path / "polyphon.log", user=USER, env=shared)
    try:
        assert_plays(p, jackd.name)
        owners = subprocess.run(["ps", "-o", "user=", "-C", "polyphon"], capture_output=True, text=True).stdout.split()
        assert USER in owners, f"no polyphon process of {USER}: {owners}"
        assert os.listdir(folder) == [], "serve wrote into the working directory"
    finally:
        p.stop()
        jackd.stop()
        shutil.rmtree(folder, ignore_errors=True)
        if saved is None:
            os.environ.pop("JACK_PROMISCUOUS_SERVER", None)
        else:
            os.environ["JACK_PROMISCUOUS_SERVER"] = saved


LEAD_ONLY = """[band]
name = "Found Beside The Binary"
[agent.lead]
role = "lead"
style = "fiddle-lead"
"""


def test_a_patch_finds_its_models_next_to_the_executable(tmp_path):
    """An unpacked release: bin/polyphon and share/polyphon/models/, a patch kept elsewhere with no
    models beside it, started from an empty folder. Without the models the patch fails to load
    and the built-in band plays instead, which is how this test would fail."""
    bundle = tmp_path / "release"
    (bundle / "bin").mkdir(parents=True)
    binary = bundle / "bin" / "polyphon"
    shutil.copy2(BIN, binary)
    show = tmp_path / "show"
    show.mkdir()
    (show / "lead.patch").write_text(LEAD_ONLY)
    folder = tmp_path / "empty"
    folder.mkdir()
    jackd = Jackd()
    try:
        for with_models, expected in [(False, "Night Shift"), (True, "Found Beside The Binary")]:
            if with_models:
                models = bundle / "share" / "polyphon" / "models"
                models.mkdir(parents=True)
                shutil.copy2(os.path.join(ROOT, "Patches", "models", "fiddle-lead.style"), models)
            p = Stranger(jackd.name, folder, tmp_path / f"polyphon-{with_models}.log",
                         ["--patch", str(show / "lead.patch")], binary=str(binary))
            try:
                status = p.wait_until_playing()
                assert status["patch"] == expected, f"{status}\n{p.log()}"
            finally:
                p.stop()
    finally:
        jackd.stop()
