// Float products with ggml's block formats in place (formats: ggml/src/ggml-quants.c): each block's
// weights are widened to floats and multiplied with float activations, so the result is the
// dequantized-F32 product. F16 weights take this path (with AVX2, widened in registers); the
// quantized formats take quantized_matmul.c's integer one.
#include "block_matmul.h"

#include "block_formats.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

size_t cl_block_size(int type) { return kernel_block_size(type); }

size_t cl_block_row_bytes(int type, size_t k) { return k / cl_block_size(type) * block_bytes(type); }

void cl_block_dequantize_row(int type, const void *w, size_t k, size_t j, float *out) {
    const uint8_t *row = (const uint8_t *)w + j * cl_block_row_bytes(type, k);
    size_t size = cl_block_size(type);
    for (size_t b = 0; b < k / size; b++) widen_block(type, row + b * block_bytes(type), out + size * b);
}

void cl_block_matmul_portable(int type, const float *x, size_t m, size_t k, const void *w, size_t n,
                              size_t first, size_t end, const float *bias, float *out) {
    size_t row_bytes = cl_block_row_bytes(type, k), step = block_bytes(type), size = cl_block_size(type);
    float weights[256];
    for (size_t j = first; j < end; j++) {
        const uint8_t *row = (const uint8_t *)w + j * row_bytes;
        for (size_t r = 0; r < m; r++) out[r * n + j] = bias ? bias[j] : 0;
        for (size_t b = 0; b < k / size; b++) {
            widen_block(type, row + b * step, weights);
            for (size_t r = 0; r < m; r++) {
                const float *xs = x + r * k + size * b;
                float sum = 0;
                for (size_t i = 0; i < size; i++) sum += xs[i] * weights[i];
                out[r * n + j] += sum;
            }
        }
    }
}

#if defined(__x86_64__)
/// F16 rows widened 32 weights at a time; rows of x in groups of up to 4, so that each group of
/// weights is widened once per group.
static __attribute__((target("avx2,fma,f16c")))
void f16_matmul_avx2(const float *x, size_t m, size_t k, const void *w, size_t n,
                     size_t first, size_t end, const float *bias, float *out) {
    for (size_t j = first; j < end; j++) {
        const uint8_t *row = (const uint8_t *)w + j * 2 * k;
        for (size_t r0 = 0; r0 < m; r0 += 4) {
            size_t rows = m - r0 < 4 ? m - r0 : 4;
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            for (size_t b = 0; b < k / 32; b++) {
                __m256 v[4];
                for (int q = 0; q < 4; q++) v[q] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 64 * b + 16 * q)));
                for (size_t r = 0; r < rows; r++) {
                    const float *xs = x + (r0 + r) * k + 32 * b;
                    for (int q = 0; q < 4; q++) acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xs + 8 * q), v[q], acc[r]);
                }
            }
            for (size_t r = 0; r < rows; r++) out[(r0 + r) * n + j] = sum8(acc[r]) + (bias ? bias[j] : 0);
        }
    }
}

#endif

void cl_block_matmul(int type, const float *x, size_t m, size_t k, const void *w, size_t n,
                     size_t first, size_t end, const float *bias, float *out) {
#if defined(__x86_64__)
    if (type == CL_BLOCK_F16 && cpu_has_avx2()) {
        f16_matmul_avx2(x, m, k, w, n, first, end, bias, out);
        return;
    }
#endif
    cl_block_matmul_portable(type, x, m, k, w, n, first, end, bias, out);
}
