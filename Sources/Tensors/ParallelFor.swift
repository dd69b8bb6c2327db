import CKernels

/// Runs body(i) for every i < count on the kernel thread pool (CKernels/include/parallel_for.h):
/// threads that stay awake between the many sub-millisecond loops of a decode step. `body`
/// runs on several threads at once, so each index must touch only what is its own.
public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
        var closure = body
        withUnsafeMutablePointer(to: &closure) { pointer in
            cl_parallel_for(count, { context, index in
                context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
            }, pointer)
        }
    }
}

/// Threads `parallelFor` spreads a loop over, the caller's included.
public var parallelThreads: Int { Int(cl_parallel_threads()) }
