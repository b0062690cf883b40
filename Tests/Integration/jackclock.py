"""An independent JACK client that records a client's outputs with the JACK frame of every
sample, and converts wall-clock times to JACK frames through libjack's own estimate
(jack_get_time, jack_time_to_frames), so a test can say on which frame a sound began.

The python `jack` package does not wrap jack_get_time / jack_time_to_frames /
jack_port_get_latency_range, so they are called through ctypes on the package's client."""
import ctypes
import threading
import time

import jack
import numpy as np

from conftest import unique

_lib = ctypes.CDLL("libjack.so.0")
_lib.jack_get_time.restype = ctypes.c_uint64
_lib.jack_get_time.argtypes = []
_lib.jack_time_to_frames.restype = ctypes.c_uint32
_lib.jack_time_to_frames.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
_lib.jack_port_by_name.restype = ctypes.c_void_p
_lib.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]


class _Range(ctypes.Structure):
    _fields_ = [("min", ctypes.c_uint32), ("max", ctypes.c_uint32)]


_lib.jack_port_get_latency_range.restype = None
_lib.jack_port_get_latency_range.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_Range)]
PLAYBACK_LATENCY = 1


def frame_diff(a, b):
    """a - b for JACK's 32-bit frame counter, unwrapped."""
    d = (a - b) & 0xFFFFFFFF
    return d - (1 << 32) if d >= (1 << 31) else d


class FrameRecorder:
    """Records `source:out_L/out_R` into blocks stamped with the JACK frame of their first
    sample (`last_frame_time` in the process callback: sample i of the block is frame F + i, the
    same frame the source rendered it for in this cycle)."""

    def __init__(self, server_name, source):
        self.client = jack.Client(unique("frm"), servername=server_name, no_start_server=True)
        self.ptr = int(jack._ffi.cast("uintptr_t", self.client._ptr))
        self.source = source
        self.lock = threading.Lock()
        self.blocks = []
        self.ins = [self.client.inports.register("in_L"), self.client.inports.register("in_R")]
        # Every xrun JACK reports to any client: a cycle that ran late or was skipped.
        self.xruns = 0

        @self.client.set_xrun_callback
        def xrun(delay):
            self.xruns += 1

        @self.client.set_process_callback
        def process(frames):
            block = (self.client.last_frame_time,
                     np.stack([self.ins[0].get_array().copy(), self.ins[1].get_array().copy()], axis=1))
            with self.lock:
                self.blocks.append(block)

    def __enter__(self):
        self.client.activate()
        self.client.connect(f"{self.source}:out_L", self.ins[0])
        self.client.connect(f"{self.source}:out_R", self.ins[1])
        return self

    def __exit__(self, *a):
        self.client.deactivate()
        self.client.close()

    def clear(self):
        with self.lock:
            self.blocks = []

    def take(self):
        with self.lock:
            out, self.blocks = self.blocks, []
        return out

    def silent_for(self, frames):
        """True when the last `frames` recorded frames are all exactly zero."""
        with self.lock:
            blocks = list(self.blocks[-(frames // 256 + 2):])
        return is_silent(blocks, frames)

    def playback_latency(self, port):
        """The playback latency range JACK reports for `port` (min, max frames)."""
        p = _lib.jack_port_by_name(self.ptr, port.encode())
        r = _Range()
        if p:
            _lib.jack_port_get_latency_range(p, PLAYBACK_LATENCY, ctypes.byref(r))
        return r.min, r.max

    def frame_of(self, unix_time, brackets=20):
        """The JACK frame at which `unix_time` falls, by JACK's current time-to-frame estimate.
        Wall clock and JACK's microsecond clock are related by the tightest of several
        jack_get_time / time.time / jack_get_time brackets (a preemption inside one skews it)."""
        best = None
        for _ in range(brackets):
            a = _lib.jack_get_time()
            t = time.time()
            b = _lib.jack_get_time()
            if best is None or b - a < best[0]:
                best = (b - a, (a + b) / 2, t)
        _, jack_mid, unix_mid = best
        return _lib.jack_time_to_frames(self.ptr, int(jack_mid + (unix_time - unix_mid) * 1e6))


def is_silent(blocks, frames):
    """True when the last `frames` recorded frames are all exactly zero."""
    tail = np.concatenate([d for _, d in blocks])[-frames:] if blocks else np.zeros((0, 2))
    return len(tail) == frames and not np.any(tail)


def contiguous(blocks):
    """True when every block starts on the frame after the previous one ended (no cycle of the
    recording was skipped or stamped late)."""
    return all(frame_diff(b[0], a[0]) == len(a[1]) for a, b in zip(blocks, blocks[1:]))


def first_sound(blocks):
    """The JACK frame of the first non-zero sample in frame-stamped blocks, or None."""
    for frame, data in blocks:
        nz = np.flatnonzero(np.any(data != 0, axis=1))
        if len(nz):
            return (frame + int(nz[0])) & 0xFFFFFFFF
    return None
