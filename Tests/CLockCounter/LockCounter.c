#define _GNU_SOURCE
#include "CLockCounter.h"
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

// Defined in the test executable, these take precedence over libc's and GLib's for every library.

static __thread int armed = 0;
static __thread uint64_t locks = 0;

void polyphon_lock_counting_begin(void) { locks = 0; armed = 1; }
void polyphon_lock_counting_end(void) { armed = 0; }
uint64_t polyphon_counted_locks(void) { return locks; }

static void *next(const char *name) { return dlsym(RTLD_NEXT, name); }

#define COUNT() do { if (armed) locks++; } while (0)
#define FORWARD(ret, name, params, args)                       \
    ret name params {                                          \
        static ret (*real) params = 0;                         \
        COUNT();                                               \
        if (!real) real = (ret (*) params)next(#name);         \
        return real args;                                      \
    }
#define FORWARD_VOID(name, params, args)                       \
    void name params {                                         \
        static void (*real) params = 0;                        \
        COUNT();                                               \
        if (!real) real = (void (*) params)next(#name);        \
        if (real) real args;                                   \
    }

// Not under ThreadSanitizer, which interposes the same calls itself.
#if !(defined(__SANITIZE_THREAD__) || (defined(__has_feature) && __has_feature(thread_sanitizer)))
FORWARD(int, pthread_mutex_lock, (pthread_mutex_t *m), (m))
FORWARD(int, pthread_mutex_trylock, (pthread_mutex_t *m), (m))
FORWARD(int, pthread_mutex_timedlock, (pthread_mutex_t *m, const struct timespec *t), (m, t))
FORWARD(int, pthread_rwlock_rdlock, (pthread_rwlock_t *l), (l))
FORWARD(int, pthread_rwlock_wrlock, (pthread_rwlock_t *l), (l))
FORWARD(int, pthread_cond_wait, (pthread_cond_t *c, pthread_mutex_t *m), (c, m))
FORWARD(int, pthread_cond_timedwait, (pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t), (c, m, t))
FORWARD(int, sem_wait, (sem_t *s), (s))
FORWARD(int, sem_timedwait, (sem_t *s, const struct timespec *t), (s, t))

// GLib (opaque here: this target does not depend on GLib's headers).
FORWARD_VOID(g_mutex_lock, (void *m), (m))
FORWARD(int, g_mutex_trylock, (void *m), (m))
FORWARD_VOID(g_rec_mutex_lock, (void *m), (m))
FORWARD(int, g_rec_mutex_trylock, (void *m), (m))
FORWARD_VOID(g_rw_lock_reader_lock, (void *l), (l))
FORWARD_VOID(g_rw_lock_writer_lock, (void *l), (l))
FORWARD_VOID(g_cond_wait, (void *c, void *m), (c, m))
FORWARD(int, g_cond_wait_until, (void *c, void *m, int64_t t), (c, m, t))
#endif

#include <sys/resource.h>

uint64_t polyphon_thread_page_faults(void) {
    struct rusage usage;
    if (getrusage(RUSAGE_THREAD, &usage) != 0) return 0;
    return (uint64_t)(usage.ru_minflt + usage.ru_majflt);
}
