"""A stranger on the venue network: files named over OSC stay inside the patch and cue folders,
errors never quote a file's content, and only the control role loads files. Against the real
binary, a real jackd, python-osc and liblo's oscsend."""
import os
import subprocess
import time

import pytest

from conftest import OscClient, Polyphon, ROOT, wait_for

SECRET = "s3cr3t-TOKEN-7781"


@pytest.fixture
def venue(jack_server, tmp_path):
    """A server whose cue folder holds one good cue file, one broken one holding a secret, and a
    symlink that leads out; a secret file sits beside the folder."""
    cues = tmp_path / "cues"
    cues.mkdir()
    (cues / "good.cue").write_text('0 /polyphon/mood "calm"\n')
    (cues / "broken.cue").write_text(f"0 /polyphon/tempo {SECRET}\n{SECRET} /polyphon/density 0.5\n[{SECRET}]\n")
    outside = tmp_path / "private.txt"
    outside.write_text(f"password = {SECRET}\nroot:{SECRET}:20228:0:99999:7:::\n")
    (cues / "link.cue").symlink_to(outside)
    p = Polyphon(jack_server.name, tmp_path, extra=["--cue-dir", str(cues)]).start()
    yield p, tmp_path
    p.stop()


def refused(reply):
    assert reply is not None and reply[0] == "/polyphon/error", reply
    text = " ".join(str(a) for a in reply[1])
    assert SECRET not in text and "root:" not in text and "password" not in text, f"an error quoted file content: {text}"
    return text


def test_paths_outside_the_folders_are_refused_without_a_word_of_their_content(venue):
    p, tmp = venue
    names = ["/etc/shadow", "/etc/passwd", "../private.txt", str(tmp / "private.txt"), "link.cue",
             "../../../../etc/passwd", "./../cues/../private.txt", "", "a" * 5000, "good.cue\x00x"]
    with OscClient(p.port) as osc:
        before = osc.status()
        for name in names:
            refused(osc.request("/polyphon/cue/load", name))
            refused(osc.request("/polyphon/patch", name))
        after = osc.status()
    assert after["cue"] == before["cue"] and after["next"] == before["next"] and after["patch"] == before["patch"]
    # liblo's own client, the way a desk script would send it.
    r = subprocess.run(["oscsend", "localhost", str(p.port), "/polyphon/cue/load", "s", "/etc/shadow"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0


def test_a_broken_file_in_the_folder_is_located_not_quoted(venue):
    p, _ = venue
    with OscClient(p.port) as osc:
        text = refused(osc.request("/polyphon/cue/load", "broken.cue"))
        # Where each error is, so the operator can fix it: file, line and column.
        assert "broken.cue:2:1:" in text and "broken.cue:3:1:" in text and "expected a time" in text, text
        # The log has the details for whoever runs the machine.
        assert wait_for(lambda: SECRET in p.log(), 3)
        # A good file in the folder loads by name.
        assert osc.request("/polyphon/cue/load", "good.cue", timeout=0.5) is None
        assert wait_for(lambda: osc.status()["mood"] == "calm", 3)


def test_only_the_control_role_loads_files(jack_server, tmp_path):
    config = tmp_path / "venue.conf"
    config.write_text('[server]\n[access]\ncontrol = "10.99.0.0/16"\nread_only = "127.0.0.1"\n')
    p = Polyphon(jack_server.name, tmp_path, extra=["--config", str(config)]).start()
    try:
        with OscClient(p.port) as osc:
            for address in ["/polyphon/patch", "/polyphon/cue/load"]:
                reply = osc.request(address, "default.patch")
                assert reply[0] == "/polyphon/error" and "read-only" in reply[1][1], reply
            assert osc.status() is not None, "a read-only controller may still ask for status"
    finally:
        p.stop()


def test_patches_switch_by_name_inside_the_patch_folder(polyphon):
    with OscClient(polyphon.port) as osc:
        first = osc.status()["patch"]
        assert osc.request("/polyphon/patch", "ambient.patch", timeout=0.5) is None
        assert wait_for(lambda: osc.status()["patch"] != first, 5), "the patch did not switch"
        switched = osc.status()["patch"]
        refused(osc.request("/polyphon/patch", "../README.md"))
        assert osc.status()["patch"] == switched
