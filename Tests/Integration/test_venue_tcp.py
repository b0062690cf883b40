"""A busy venue network must never lock the lighting desk out of the OSC TCP port: a desk that
connects while a thousand idle connections are open is answered at once, at the connection
limit the oldest idle connection makes room, and a client that never reads its replies is closed
without slowing anyone else. Real binary, real sockets on 127.0.0.1, bounded in count and time."""
import resource
import socket
import struct
import time

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from conftest import wait_for

IDLE = 1000


def msg(address):
    return OscMessageBuilder(address=address).build().dgram


def sized(data):
    return struct.pack(">i", len(data)) + data


def slip(data):
    return b"\xc0" + data.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


def read_sized(sock, deadline):
    """The next size-prefixed packet, or None at the deadline."""
    data = b""
    while time.time() < deadline:
        if len(data) >= 4:
            size = struct.unpack(">i", data[:4])[0]
            if len(data) >= 4 + size:
                return OscMessage(data[4:4 + size])
        sock.settimeout(max(0.01, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            return None
        if not chunk:
            return None
        data += chunk
    return None


def read_slip(sock, deadline):
    """The next SLIP frame, or None at the deadline."""
    data = b""
    while time.time() < deadline:
        frames = [f for f in data.split(b"\xc0") if f]
        if data.count(b"\xc0") >= 2 and frames:
            return OscMessage(frames[0].replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb"))
        sock.settimeout(max(0.01, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            return None
        if not chunk:
            return None
        data += chunk
    return None


def ask_status(port, framing):
    """Connects, asks /polyphon/status in `framing`; returns (seconds to the answer, reply)."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        start = time.perf_counter()
        if framing == "size":
            s.sendall(sized(msg("/polyphon/status")))
            reply = read_sized(s, time.time() + 2)
        else:
            s.sendall(slip(msg("/polyphon/status")))
            reply = read_slip(s, time.time() + 2)
        return time.perf_counter() - start, reply


def closed_by_peer(sock, seconds):
    """Reads and discards until EOF or a reset, for at most `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        sock.settimeout(max(0.01, deadline - time.time()))
        try:
            if not sock.recv(65536):
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


@pytest.fixture
def many_files():
    """Room in this process for the idle connections (the server raises its own limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * IDLE + 256
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"the hard open-file limit {hard} is below {wanted}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def open_idle(port, count):
    idle = []
    for _ in range(count):
        idle.append(socket.create_connection(("127.0.0.1", port), timeout=2))
    return idle


def test_a_desk_is_answered_at_once_with_a_thousand_idle_connections_open(polyphon, many_files):
    idle = []
    try:
        start = time.perf_counter()
        idle = open_idle(polyphon.port, IDLE)
        connecting = time.perf_counter() - start
        seconds, reply = ask_status(polyphon.port, "size")
        assert reply is not None and reply.address == "/polyphon/status", "no size-prefixed status answer"
        assert seconds < 1.0
        slip_seconds, slip_reply = ask_status(polyphon.port, "slip")
        assert slip_reply is not None and slip_reply.address == "/polyphon/status", "no SLIP status answer"
        assert slip_seconds < 1.0
        # Under the limit nobody was dropped: the first idle connection still answers.
        idle[0].sendall(sized(msg("/polyphon/ping")))
        pong = read_sized(idle[0], time.time() + 2)
        assert pong is not None and pong.address == "/polyphon/pong"
        print(f"\n{IDLE} idle TCP connections opened in {connecting:.3f} s; status answered in "
              f"{seconds * 1000:.1f} ms (size prefix), {slip_seconds * 1000:.1f} ms (SLIP)")
    finally:
        for s in idle:
            s.close()


def test_at_the_connection_limit_the_oldest_idle_connection_makes_room(polyphon, many_files):
    limit = 1024
    idle = []
    try:
        idle = open_idle(polyphon.port, limit + 50)
        seconds, reply = ask_status(polyphon.port, "size")
        assert reply is not None and reply.address == "/polyphon/status"
        assert seconds < 1.0
        # The desk and the 50 extra displaced the 51 oldest; the newest idle ones stay.
        assert all(closed_by_peer(s, 2) for s in idle[:51])
        idle[-1].sendall(sized(msg("/polyphon/ping")))
        pong = read_sized(idle[-1], time.time() + 2)
        assert pong is not None and pong.address == "/polyphon/pong"
        assert wait_for(lambda: "oldest idle" in polyphon.log(), 2)
    finally:
        for s in idle:
            s.close()


def test_a_client_that_never_reads_is_closed_and_the_desk_stays_answered(polyphon):
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.settimeout(2)
    slow.connect(("127.0.0.1", polyphon.port))
    batch = sized(msg("/polyphon/status")) * 50
    answers = []
    closed = False
    try:
        deadline = time.time() + 20
        next_ask = time.time()
        while time.time() < deadline and not closed:
            try:
                slow.sendall(batch)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
            except socket.timeout:
                pass
            if time.time() >= next_ask:
                seconds, reply = ask_status(polyphon.port, "size")
                assert reply is not None and reply.address == "/polyphon/status", "the desk was not answered"
                answers.append(seconds)
                next_ask = time.time() + 0.5
            closed = closed or "has not read its replies" in polyphon.log()
            time.sleep(0.02)
        assert closed, "the client that never reads was not closed within 20 s"
        assert closed_by_peer(slow, 5), "no EOF or reset on the slow client's socket"
        assert answers and max(answers) < 1.0, answers
        print(f"\ndesk status answers while a client did not read: {len(answers)}, "
              f"slowest {max(answers) * 1000:.1f} ms")
    finally:
        slow.close()
