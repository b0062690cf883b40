#ifndef POLYPHON_CREALTIME_H
#define POLYPHON_CREALTIME_H
#include <stdint.h>

/// Sets flush-to-zero and denormals-are-zero on the calling thread, so decaying filters and
/// envelopes never fall into slow denormal arithmetic. Call once at the top of every audio thread.
void polyphon_flush_denormals(void);

/// Monotonic time in nanoseconds (vDSO, no syscall, safe on the audio thread).
uint64_t polyphon_monotonic_ns(void);

/// CPU time consumed by the calling thread, in nanoseconds.
uint64_t polyphon_thread_cpu_ns(void);
#endif
