#ifndef POLYPHON_ALLOC_COUNTER_H
#define POLYPHON_ALLOC_COUNTER_H
#include <stdint.h>

/// Counting interposer for tests: while armed on the calling thread, every malloc/calloc/realloc/
/// posix_memalign/aligned_alloc and every swift_retain made on that thread is counted.
void polyphon_counting_begin(void);
void polyphon_counting_end(void);
uint64_t polyphon_counted_allocations(void);
uint64_t polyphon_counted_retains(void);
#endif
