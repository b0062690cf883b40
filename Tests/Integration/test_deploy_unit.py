"""deploy/polyphon.service, run as the unit runs it as far as this machine allows without
systemd: its User and Group, its limits (prlimit), and ProtectSystem=strict (a private mount
namespace with / read-only and only the state directory writable). Not tried here: a limit this
machine refuses even to root (a container's MEMLOCK or RTPRIO cap; the test prints which), systemd
itself (Type=notify is covered by test_installation's NOTIFY_SOCKET test), PrivateTmp,
RestrictAddressFamilies, ProtectKernelTunables, ProtectControlGroups."""
import grp
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import BIN, ROOT, OscClient, free_port, record, unique
from test_stranger import Jackd
import audio

UNIT = os.path.join(ROOT, "deploy", "polyphon.service")


def unit_settings():
    out = {}
    for line in open(UNIT):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line and not line.startswith("["):
            key, value = line.split("=", 1)
            out[key] = value
    return out


def service_user(name, group):
    """The unit's user and group, made if missing; None with the reason when impossible."""
    if os.geteuid() != 0:
        return None, "needs root to become the service user"
    for tool in ["runuser", "setpriv", "prlimit", "unshare", "mount"]:
        if not shutil.which(tool):
            return None, f"{tool} is missing"
    try:
        grp.getgrnam(group)
    except KeyError:
        subprocess.run(["groupadd", "--system", group], check=True, timeout=30)
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--gid", group, "--shell", "/usr/sbin/nologin", name],
                       check=True, timeout=30)
    if subprocess.run(["unshare", "--mount", "true"], timeout=10).returncode != 0:
        return None, "no mount namespaces here"
    if subprocess.run(["runuser", "-u", name, "--", "test", "-x", BIN], timeout=10).returncode != 0:
        return None, f"{BIN} is not executable by {name}"
    return pwd.getpwnam(name), ""


def unit_limits(settings):
    """The unit's limits this machine lets root set (a container may cap MEMLOCK or RTPRIO)."""
    wanted = ["--nofile=" + settings["LimitNOFILE"], "--memlock=unlimited", "--rtprio=" + settings["LimitRTPRIO"]]
    return [w for w in wanted if subprocess.run(["prlimit", w, "--", "true"], capture_output=True, timeout=10).returncode == 0]


def as_the_unit(settings, user, group, state, args):
    """The command line: a mount namespace with / read-only but the state directory, the unit's
    limits, then its user."""
    limits = unit_limits(settings)
    inner = (f"mount --bind '{state}' '{state}' && mount -o remount,bind,ro / && "
             f"exec prlimit {' '.join(limits)} -- setpriv --reuid {user} --regid {group} --init-groups --no-new-privs -- \"$@\"")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", inner, "unit"] + args


def test_the_service_plays_as_its_user_with_its_limits_and_a_read_only_system(tmp_path):
    settings = unit_settings()
    assert settings["ProtectSystem"] == "strict" and settings["User"] and settings["Group"]
    user, reason = service_user(settings["User"], settings["Group"])
    if user is None:
        pytest.skip(reason)
    group = settings["Group"]
    state = tempfile.mkdtemp(prefix="polyphon-unit-")
    os.chown(state, user.pw_uid, user.pw_gid)
    config = os.path.join(state, "polyphon.conf")
    with open(config, "w") as f:
        f.write(f'[server]\npatch = "{ROOT}/Patches/default.patch"\nstate = "{state}/state.json"\n')
    shared = {"JACK_PROMISCUOUS_SERVER": group}
    saved = os.environ.get("JACK_PROMISCUOUS_SERVER")
    os.environ["JACK_PROMISCUOUS_SERVER"] = group
    jackd = Jackd(shared)
    try:
        port, client = free_port(), unique("unit")
        env = dict(os.environ, JACK_DEFAULT_SERVER=jackd.name, **shared)
        command = [BIN, "serve", "--config", config, "--port", str(port), "--bind", "127.0.0.1", "--client-name", client,
                   "--no-auto-connect", "--no-start-server"]
        log_path = tmp_path / "unit.log"
        log = open(log_path, "a")
        proc = subprocess.Popen(as_the_unit(settings, settings["User"], group, state, command), cwd=state, env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_playing(proc, port, log_path)
            level = audio.rms_db(record(jackd.name, client, 3.0))
            assert level > -40, f"nearly silent ({level:.1f} dB)"
            owners = subprocess.run(["ps", "-ww", "-o", "user=,args=", "-C", "polyphon"], capture_output=True, text=True).stdout
            assert any(line.split()[0] in (settings["User"], str(user.pw_uid)) and client in line for line in owners.splitlines()), owners
            limits = open(f"/proc/{pid_of(client)}/limits").read().splitlines()
            limit = next(l.split()[3] for l in limits if l.startswith("Max open files"))
            assert limit == settings["LimitNOFILE"], limit
            # It keeps its state where the unit lets it.
            deadline = time.time() + 5
            while time.time() < deadline and not os.path.exists(os.path.join(state, "state.json")):
                time.sleep(0.2)
            assert os.path.exists(os.path.join(state, "state.json")), log_path.read_text()
            print(f"as {settings['User']}:{group} with {unit_limits(settings)} (the rest refused by this machine), / read-only: "
                  f"playing at {level:.1f} dB RMS, state saved")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            log.close()
        # Anything outside the state directory is read-only to it: a recording elsewhere is refused
        # at the start, with a message, and nothing is written.
        elsewhere = tempfile.mkdtemp(prefix="polyphon-elsewhere-")
        os.chmod(elsewhere, 0o777)
        r = subprocess.run(as_the_unit(settings, settings["User"], group, state,
                                       command + ["--record-cues", os.path.join(elsewhere, "set.cue")]),
                           cwd=state, env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and "record-cues" in (r.stdout + r.stderr), r.stdout + r.stderr
        assert os.listdir(elsewhere) == []
        shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(elsewhere, ignore_errors=True)
    finally:
        # Whatever failed above, the private jackd and the environment are put back.
        jackd.stop()
        if saved is None:
            os.environ.pop("JACK_PROMISCUOUS_SERVER", None)
        else:
            os.environ["JACK_PROMISCUOUS_SERVER"] = saved


def wait_until_playing(proc, port, log_path, timeout=30):
    deadline = time.time() + timeout
    with OscClient(port) as osc:
        while time.time() < deadline:
            assert proc.poll() is None, f"polyphon exited ({proc.returncode}):\n{log_path.read_text()}"
            status = osc.status(timeout=0.3)
            if status and status["audio"] == 1:
                return status
    raise AssertionError(f"polyphon did not come up:\n{log_path.read_text()}")


def pid_of(client):
    out = subprocess.run(["pgrep", "-f", "--", f"client-name {client}"], capture_output=True, text=True).stdout.split()
    # The newest matching process is polyphon itself (unshare, sh and prlimit exec into it).
    return max(int(x) for x in out)
