#ifndef CODELOOP_PARALLEL_FOR_H
#define CODELOOP_PARALLEL_FOR_H

#include <stddef.h>

/// Calls body(context, i) for every i < count, spread over a pool of threads that stay awake
/// (spinning) for a moment between calls. A decode step makes ~50 products of well under a
/// millisecond each; waking threads through the kernel for each (as GCD's concurrentPerform
/// does) cost a large share of them. Runs inline when called from inside a loop of the pool, or
/// while another thread is using it. The pool has one thread per available core (or
/// CODELOOP_THREADS), counting the caller's.
void cl_parallel_for(size_t count, void (*body)(void *context, size_t index), void *context);

/// Threads a parallel loop runs on, the caller's included.
int cl_parallel_threads(void);

#endif
