// Products with ggml's block formats in place (formats: ggml/src/ggml-quants.c). Activations stay
// float: each block's weights are widened in registers and multiplied with FMA, so the result is
// the dequantized-F32 product; the gain is that every weight is read at its stored size.
#include "block_matmul.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF, bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            exponent = 127 - 15 + 1;
            while (!(mantissa & 0x400)) { mantissa <<= 1; exponent--; }
            bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
        }
    } else if (exponent == 31) {
        bits = sign | 0x7F800000 | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t load_half(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return h; }

size_t cl_block_row_bytes(int type, size_t k) {
    switch (type) {
    case CL_BLOCK_F16: return 2 * k;
    case CL_BLOCK_Q4_0: return k / 32 * 18;
    case CL_BLOCK_Q8_0: return k / 32 * 34;
    default: return 0;
    }
}

/// One block (32 weights; for F16, 32 halves) widened into out.
static inline void widen_block(int type, const uint8_t *block, float *out) {
    switch (type) {
    case CL_BLOCK_F16:
        for (int i = 0; i < 32; i++) out[i] = half_to_float(load_half(block + 2 * i));
        break;
    case CL_BLOCK_Q4_0: {
        float d = half_to_float(load_half(block));
        for (int i = 0; i < 16; i++) {
            out[i] = d * (float)((int)(block[2 + i] & 0xF) - 8);
            out[i + 16] = d * (float)((int)(block[2 + i] >> 4) - 8);
        }
        break;
    }
    case CL_BLOCK_Q8_0: {
        float d = half_to_float(load_half(block));
        for (int i = 0; i < 32; i++) out[i] = d * (float)(int8_t)block[2 + i];
        break;
    }
    }
}

static size_t block_bytes(int type) { return type == CL_BLOCK_F16 ? 64 : type == CL_BLOCK_Q4_0 ? 18 : 34; }

void cl_block_dequantize_row(int type, const void *w, size_t k, size_t j, float *out) {
    const uint8_t *row = (const uint8_t *)w + j * cl_block_row_bytes(type, k);
    for (size_t b = 0; b < k / 32; b++) widen_block(type, row + b * block_bytes(type), out + 32 * b);
}

void cl_block_matmul_portable(int type, const float *x, size_t m, size_t k, const void *w, size_t n,
                              size_t first, size_t end, const float *bias, float *out) {
    size_t row_bytes = cl_block_row_bytes(type, k), step = block_bytes(type);
    float weights[32];
    for (size_t j = first; j < end; j++) {
        const uint8_t *row = (const uint8_t *)w + j * row_bytes;
        for (size_t r = 0; r < m; r++) out[r * n + j] = bias ? bias[j] : 0;
        for (size_t b = 0; b < k / 32; b++) {
            widen_block(type, row + b * step, weights);
            for (size_t r = 0; r < m; r++) {
                const float *xs = x + r * k + 32 * b;
                float sum = 0;
                for (int i = 0; i < 32; i++) sum += xs[i] * weights[i];
                out[r * n + j] += sum;
            }
        }
    }
}

#if defined(__x86_64__)
/// 32 weights of one block as four vectors of 8 floats.
static inline __attribute__((always_inline, target("avx2,fma,f16c")))
void widen_block_avx2(int type, const uint8_t *block, __m256 v[4]) {
    if (type == CL_BLOCK_F16) {
        for (int q = 0; q < 4; q++) v[q] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(block + 16 * q)));
        return;
    }
    __m256 d = _mm256_set1_ps(_cvtsh_ss(load_half(block)));
    __m128i lo, hi;  // the 32 quants as int8, in order
    if (type == CL_BLOCK_Q8_0) {
        lo = _mm_loadu_si128((const __m128i *)(block + 2));
        hi = _mm_loadu_si128((const __m128i *)(block + 18));
    } else {  // Q4_0: low nibbles are weights 0..15, high nibbles 16..31
        __m128i packed = _mm_loadu_si128((const __m128i *)(block + 2)), mask = _mm_set1_epi8(0xF), eight = _mm_set1_epi8(8);
        lo = _mm_sub_epi8(_mm_and_si128(packed, mask), eight);
        hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(packed, 4), mask), eight);
    }
    v[0] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)));
    v[1] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))));
    v[2] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)));
    v[3] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))));
}

static inline __attribute__((always_inline, target("avx2,fma"))) float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Rows of x in groups of up to 4, so that each block is widened once per group.
static __attribute__((target("avx2,fma,f16c")))
void block_matmul_avx2(int type, const float *x, size_t m, size_t k, const void *w, size_t n,
                       size_t first, size_t end, const float *bias, float *out) {
    size_t row_bytes = cl_block_row_bytes(type, k), step = block_bytes(type), blocks = k / 32;
    for (size_t j = first; j < end; j++) {
        const uint8_t *row = (const uint8_t *)w + j * row_bytes;
        for (size_t r0 = 0; r0 < m; r0 += 4) {
            size_t rows = m - r0 < 4 ? m - r0 : 4;
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            for (size_t b = 0; b < blocks; b++) {
                __m256 v[4];
                widen_block_avx2(type, row + b * step, v);
                for (size_t r = 0; r < rows; r++) {
                    const float *xs = x + (r0 + r) * k + 32 * b;
                    acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xs), v[0], acc[r]);
                    acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xs + 8), v[1], acc[r]);
                    acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xs + 16), v[2], acc[r]);
                    acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xs + 24), v[3], acc[r]);
                }
            }
            for (size_t r = 0; r < rows; r++) out[(r0 + r) * n + j] = sum8(acc[r]) + (bias ? bias[j] : 0);
        }
    }
}

static int has_avx2(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return known;
}
#endif

void cl_block_matmul(int type, const float *x, size_t m, size_t k, const void *w, size_t n,
                     size_t first, size_t end, const float *bias, float *out) {
#if defined(__x86_64__)
    if (has_avx2()) {
        block_matmul_avx2(type, x, m, k, w, n, first, end, bias, out);
        return;
    }
#endif
    cl_block_matmul_portable(type, x, m, k, w, n, first, end, bias, out);
}
