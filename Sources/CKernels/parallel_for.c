// The thread pool behind cl_parallel_for (see parallel_for.h).
#define _GNU_SOURCE
#include "parallel_for.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ volatile("yield")
#else
#define cpu_relax() ((void)0)
#endif

#define MAX_THREADS 256
// About a millisecond of pause instructions: long enough to bridge the gaps between the
// products of one forward pass, short enough that an idle process soon sleeps.
#define SPINS_BEFORE_SLEEP (1 << 15)

static struct {
    pthread_once_t once;
    int workers;               // threads besides the caller
    pthread_mutex_t busy;      // one loop at a time; a second caller runs its loop inline
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    atomic_uint generation;    // bumped to hand the workers a new loop
    void (*body)(void *, size_t);
    void *context;
    size_t count;
    atomic_size_t next;        // the next index to take
    atomic_int pending;        // workers not yet done with the current loop
} pool = {
    .once = PTHREAD_ONCE_INIT,
    .busy = PTHREAD_MUTEX_INITIALIZER,
    .sleep_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
};

static _Thread_local int inside_loop;

/// A spinning thread yields its core now and then: when another process shares the machine, a
/// thread that only spun would hold the core the one it waits for needs (two generate processes
/// side by side ran 2.2x slower than one after the other); alone, the yield returns at once.
static inline void wait_a_little(int spins) {
    if (spins % 64 == 0) sched_yield();
    else cpu_relax();
}

/// libdispatch sets its threads' nice from their QoS (0 at the default), and threads inherit the nice
/// of the thread that made them: so a codeloop started under `nice` computed at full priority. The
/// threads that do the work take the process's nice (its main thread's, which `nice` set) instead.
static void take_process_nice(void) {
#if defined(__linux__)
    static _Thread_local int taken;
    if (taken) return;
    taken = 1;
    errno = 0;
    int process = getpriority(PRIO_PROCESS, (id_t)getpid());
    if (errno == 0 && process > getpriority(PRIO_PROCESS, 0)) setpriority(PRIO_PROCESS, 0, process);  // 0: this thread
#endif
}

static void take_indices(void) {
    size_t i;
    while ((i = atomic_fetch_add_explicit(&pool.next, 1, memory_order_relaxed)) < pool.count) pool.body(pool.context, i);
}

static void *work(void *unused) {
    (void)unused;
    inside_loop = 1;
    unsigned seen = 0;
    for (;;) {
        unsigned generation;
        int spins = 0;
        while ((generation = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen) {
            if (++spins < SPINS_BEFORE_SLEEP) {
                wait_a_little(spins);
                continue;
            }
            pthread_mutex_lock(&pool.sleep_lock);
            while (atomic_load_explicit(&pool.generation, memory_order_acquire) == seen) pthread_cond_wait(&pool.wake, &pool.sleep_lock);
            pthread_mutex_unlock(&pool.sleep_lock);
        }
        seen = generation;
        take_indices();
        // Every worker reports back before the caller returns, so none reads a loop's
        // body or context after it is gone.
        atomic_fetch_sub_explicit(&pool.pending, 1, memory_order_release);
    }
    return 0;
}

static int available_cores(void) {
    const char *requested = getenv("CODELOOP_THREADS");
    if (requested && atoi(requested) > 0) return atoi(requested);
#if defined(__linux__)
    cpu_set_t set;  // the cores this process may run on (taskset, cgroups), not all the machine's
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

static void start_workers(void) {
    int threads = available_cores();
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    for (int i = 0; i < threads - 1; i++) {
        pthread_t thread;
        if (pthread_create(&thread, 0, work, 0) != 0) break;
        pthread_detach(thread);
        pool.workers++;
    }
}

int cl_parallel_threads(void) {
    take_process_nice();
    pthread_once(&pool.once, start_workers);
    return pool.workers + 1;
}

void cl_parallel_for(size_t count, void (*body)(void *context, size_t index), void *context) {
    take_process_nice();  // before the workers start, so that they inherit it
    pthread_once(&pool.once, start_workers);
    if (count <= 1 || pool.workers == 0 || inside_loop || pthread_mutex_trylock(&pool.busy) != 0) {
        for (size_t i = 0; i < count; i++) body(context, i);
        return;
    }
    pool.body = body;
    pool.context = context;
    pool.count = count;
    atomic_store_explicit(&pool.next, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.pending, pool.workers, memory_order_relaxed);
    pthread_mutex_lock(&pool.sleep_lock);
    atomic_fetch_add_explicit(&pool.generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.sleep_lock);
    inside_loop = 1;
    take_indices();
    inside_loop = 0;
    for (int spins = 0; atomic_load_explicit(&pool.pending, memory_order_acquire) > 0; spins++) {
        if (spins < SPINS_BEFORE_SLEEP) wait_a_little(spins);
        else sched_yield();  // a worker descheduled by a busy machine: let it run
    }
    pthread_mutex_unlock(&pool.busy);
}
