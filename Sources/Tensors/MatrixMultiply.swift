import CBLAS

/// C (m×n) = A (m×k) · B, where B is k×n (`transposedB` false) or n×k (true, the layout of an
/// HF Linear weight), all row-major; C is overwritten, or accumulated into when `accumulate`.
/// Runs on OpenBLAS's sgemm.
public func matmul(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                   m: Int, n: Int, k: Int, transposedB: Bool, accumulate: Bool = false) {
    if m == 1 {
        // One row (batch-1 decoding): a matrix-vector product, which OpenBLAS does faster than sgemm.
        // y = B^T a, with B stored k×n (row-major) — or y = B a with B stored n×k.
        cblas_sgemv(CblasRowMajor, transposedB ? CblasNoTrans : CblasTrans, Int32(transposedB ? n : k), Int32(transposedB ? k : n),
                    1, b, Int32(transposedB ? k : n), a, 1, accumulate ? 1 : 0, c, 1)
        return
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, transposedB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(transposedB ? k : n),
                accumulate ? 1 : 0, c, Int32(n))
}

/// The plain triple loop that `matmul` must agree with (tests only).
public func referenceMatmul(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposedB: Bool) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum: Float = 0
            for p in 0..<k {
                sum += a[i * k + p] * (transposedB ? b[j * k + p] : b[p * n + j])
            }
            c[i * n + j] = sum
        }
    }
    return c
}

/// The general product C (m×n) = alpha · op(A) · op(B) + beta · C with explicit leading dimensions,
/// row-major: what training needs for transposed operands (weight gradients) and for strided
/// per-head views of a fused q/k/v row (attention). Runs on OpenBLAS's sgemm.
public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                 alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Threads OpenBLAS spreads one product over. Training sets 1 and runs one replica per core
/// instead: OpenBLAS's idle threads spin in sched_yield while the rest of a step runs serially.
public func setMatrixThreads(_ count: Int) {
    openblas_set_num_threads(Int32(count))
}
