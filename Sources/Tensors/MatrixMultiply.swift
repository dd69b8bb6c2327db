import CBLAS

/// The plain triple loop that the products must agree with (tests only).
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
