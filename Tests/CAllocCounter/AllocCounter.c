#define _GNU_SOURCE
#include "CAllocCounter.h"
#include <dlfcn.h>
#include <stddef.h>
#include <errno.h>

// Defined in the test executable, these take precedence over glibc's and the Swift runtime's.
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static __thread int armed = 0;
static __thread uint64_t allocations = 0;
static __thread uint64_t retains = 0;

void polyphon_counting_begin(void) { allocations = 0; retains = 0; armed = 1; }
void polyphon_counting_end(void) { armed = 0; }
uint64_t polyphon_counted_allocations(void) { return allocations; }
uint64_t polyphon_counted_retains(void) { return retains; }

// Under ThreadSanitizer, which owns malloc and the thread primitives itself, nothing is
// interposed: the counts stay 0 and the counting tests are not run there (docs/testing.md).
#if defined(__SANITIZE_THREAD__) || (defined(__has_feature) && __has_feature(thread_sanitizer))
#define POLYPHON_NO_INTERPOSER 1
#endif

#ifndef POLYPHON_NO_INTERPOSER
void *malloc(size_t n) { if (armed) allocations++; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { if (armed) allocations++; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { if (armed) allocations++; return __libc_realloc(p, n); }
void *aligned_alloc(size_t a, size_t n) { if (armed) allocations++; return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    if (armed) allocations++;
    void *p = __libc_memalign(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

typedef void *(*retain_fn)(void *);
static retain_fn real_retain = 0;

void *swift_retain(void *object) {
    if (armed) retains++;
    if (!real_retain) real_retain = (retain_fn)dlsym(RTLD_NEXT, "swift_retain");
    return real_retain(object);
}
#endif
