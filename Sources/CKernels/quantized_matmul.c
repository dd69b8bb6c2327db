// Integer products of ggml's quantized formats with 8-bit activations, the scheme of llama.cpp's
// vec_dot kernels (formats: ggml/src/ggml-quants.c): the 32-weight formats against 32-element
// activation blocks, the K formats against 256-element ones that carry their sums per 16.
#include "quantized_matmul.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "quantized_kernels.h"

size_t cl_quantized_activation_bytes(int type, size_t m, size_t k) {
    return is_k_format(type) ? m * (k / 256) * sizeof(act256) : m * (k / 32) * sizeof(act32);
}

/// Symmetric 8-bit quantization of `size` values (a multiple of 32): |x − d·q| ≤ d/2 with d = max|x| / 127.
static float quantize_block(const float *x, int size, int8_t *q) {
#if defined(__x86_64__)
    if (cpu_has_avx2()) return quantize_block_avx2(x, size, q);
#endif
    float amax = 0;
    for (int i = 0; i < size; i++) amax = fmaxf(amax, fabsf(x[i]));
    float d = amax / 127, inverse = d > 0 ? 1 / d : 0;
    for (int i = 0; i < size; i++) q[i] = (int8_t)lrintf(x[i] * inverse);
    return d;
}

void cl_quantize_activations(int type, const float *x, size_t m, size_t k, void *out) {
    if (is_k_format(type)) {
        act256 *a = out;
        for (size_t b = 0; b < m * k / 256; b++) {
            a[b].d = quantize_block(x + 256 * b, 256, a[b].q);
            for (int s = 0; s < 16; s++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) sum += a[b].q[16 * s + i];
                a[b].sums[s] = (int16_t)sum;
            }
        }
        return;
    }
    act32 *a = out;
    for (size_t b = 0; b < m * k / 32; b++) {
        a[b].d = quantize_block(x + 32 * b, 32, a[b].q);
        int sum = 0;
        for (int i = 0; i < 32; i++) sum += a[b].q[i];
        a[b].s = a[b].d * (float)sum;
    }
}

// MARK: - The plain reference

int cl_quantized_paths(void) {
    int paths = 1 << CL_PATH_PORTABLE;
#if defined(__x86_64__)
    if (cpu_has_avx2()) paths |= 1 << CL_PATH_AVX2;
    if (cpu_has_avx512_vnni()) paths |= 1 << CL_PATH_VNNI;
#endif
    return paths;
}

void cl_quantized_matmul_on(int path, int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                            size_t first, size_t end, const float *bias, float *out) {
#if defined(__x86_64__)
    if (path == CL_PATH_VNNI) {
        quantized_matmul_vnni(type, xq, m, k, w, n, first, end, bias, out);
        return;
    }
    if (path == CL_PATH_AVX2) {
        quantized_matmul_avx2(type, xq, m, k, w, n, first, end, bias, out);
        return;
    }
#endif
    quantized_matmul_portable(type, xq, m, k, w, n, first, end, bias, out);
}

void cl_quantized_matmul(int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                         size_t first, size_t end, const float *bias, float *out) {
    // Cached atomically, as block_formats.h's CPU answers are: ThreadSanitizer reported the plain int.
    static _Atomic int cached = -1;
    int best = atomic_load_explicit(&cached, memory_order_relaxed);
    if (best < 0) {
        int paths = cl_quantized_paths();
        best = paths & (1 << CL_PATH_VNNI) ? CL_PATH_VNNI : paths & (1 << CL_PATH_AVX2) ? CL_PATH_AVX2 : CL_PATH_PORTABLE;
        atomic_store_explicit(&cached, best, memory_order_relaxed);
    }
    cl_quantized_matmul_on(best, type, xq, m, k, w, n, first, end, bias, out);
}
