#ifndef POLYPHON_LOCK_COUNTER_H
#define POLYPHON_LOCK_COUNTER_H
#include <stdint.h>

/// Counting interposer for tests: while armed on the calling thread, every pthread mutex, rwlock,
/// condition wait and semaphore wait, and every GLib mutex/rec-mutex/rw-lock/cond wait made on that
/// thread is counted. (GLib's GMutex takes an atomic fast path with no pthread call, so its entry
/// points are counted by name.)
void polyphon_lock_counting_begin(void);
void polyphon_lock_counting_end(void);
uint64_t polyphon_counted_locks(void);

/// Minor plus major page faults taken by the calling thread so far. A fault can wait on the
/// kernel's memory-map lock, or on the disk when the page was swapped out.
uint64_t polyphon_thread_page_faults(void);
#endif
