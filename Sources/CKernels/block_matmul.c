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

size_t cl_block_size(int type) { return type == CL_BLOCK_Q4_K || type == CL_BLOCK_Q6_K ? 256 : 32; }

/// Bytes of one block (for F16, of 32 weights).
static size_t block_bytes(int type) {
    switch (type) {
    case CL_BLOCK_F16: return 64;
    case CL_BLOCK_Q4_0: return 18;
    case CL_BLOCK_Q8_0: return 34;
    case CL_BLOCK_Q4_K: return 144;
    case CL_BLOCK_Q6_K: return 210;
    default: return 0;
    }
}

size_t cl_block_row_bytes(int type, size_t k) { return k / cl_block_size(type) * block_bytes(type); }

/// Q4_K's 6-bit scale and min of sub-block j (get_scale_min_k4).
static inline void scale_min_k4(int j, const uint8_t *q, uint8_t *scale, uint8_t *min) {
    if (j < 4) {
        *scale = q[j] & 63;
        *min = q[j + 4] & 63;
    } else {
        *scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/// One block (32 weights, or 256 for the K formats) widened into out.
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
    case CL_BLOCK_Q4_K: {
        float d = half_to_float(load_half(block)), dmin = half_to_float(load_half(block + 2));
        const uint8_t *scales = block + 4, *qs = block + 16;
        for (int group = 0; group < 4; group++) {
            uint8_t s1, m1, s2, m2;
            scale_min_k4(2 * group, scales, &s1, &m1);
            scale_min_k4(2 * group + 1, scales, &s2, &m2);
            float d1 = d * s1, n1 = dmin * m1, d2 = d * s2, n2 = dmin * m2;
            for (int l = 0; l < 32; l++) {
                out[64 * group + l] = d1 * (float)(qs[32 * group + l] & 0xF) - n1;
                out[64 * group + 32 + l] = d2 * (float)(qs[32 * group + l] >> 4) - n2;
            }
        }
        break;
    }
    case CL_BLOCK_Q6_K: {
        float d = half_to_float(load_half(block + 208));
        for (int half128 = 0; half128 < 2; half128++) {
            const uint8_t *ql = block + 64 * half128, *qh = block + 128 + 32 * half128;
            const int8_t *sc = (const int8_t *)(block + 192 + 8 * half128);
            float *y = out + 128 * half128;
            for (int l = 0; l < 32; l++) {
                int s = l / 16;
                int q1 = (int)((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                int q2 = (int)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = (int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = (int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * sc[s] * q1;
                y[l + 32] = d * sc[s + 2] * q2;
                y[l + 64] = d * sc[s + 4] * q3;
                y[l + 96] = d * sc[s + 6] * q4;
            }
        }
        break;
    }
    }
}

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

/// A K-format block (256 weights) widened into out with vector code.
static inline __attribute__((always_inline, target("avx2,fma,f16c")))
void widen_k_block_avx2(int type, const uint8_t *block, float *out) {
    const __m256i low4 = _mm256_set1_epi8(0xF);
    if (type == CL_BLOCK_Q4_K) {
        float d = _cvtsh_ss(load_half(block)), dmin = _cvtsh_ss(load_half(block + 2));
        for (int group = 0; group < 4; group++) {
            uint8_t s1, m1, s2, m2;
            scale_min_k4(2 * group, block + 4, &s1, &m1);
            scale_min_k4(2 * group + 1, block + 4, &s2, &m2);
            __m256i q = _mm256_loadu_si256((const __m256i *)(block + 16 + 32 * group));
            __m256i lo = _mm256_and_si256(q, low4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
            __m256 d1 = _mm256_set1_ps(d * s1), n1 = _mm256_set1_ps(dmin * m1);
            __m256 d2 = _mm256_set1_ps(d * s2), n2 = _mm256_set1_ps(dmin * m2);
            uint8_t l[32], h[32];
            _mm256_storeu_si256((__m256i *)l, lo);
            _mm256_storeu_si256((__m256i *)h, hi);
            for (int c = 0; c < 4; c++) {
                __m256 a = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(l + 8 * c))));
                __m256 b = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(h + 8 * c))));
                _mm256_storeu_ps(out + 64 * group + 8 * c, _mm256_fmsub_ps(d1, a, n1));
                _mm256_storeu_ps(out + 64 * group + 32 + 8 * c, _mm256_fmsub_ps(d2, b, n2));
            }
        }
        return;
    }
    // Q6_K: four 6-bit quants per byte position, each scaled per 16 weights.
    float d = _cvtsh_ss(load_half(block + 208));
    const __m256i three = _mm256_set1_epi8(3), thirty_two = _mm256_set1_epi8(32);
    for (int half128 = 0; half128 < 2; half128++) {
        const uint8_t *ql = block + 64 * half128, *qh = block + 128 + 32 * half128;
        const int8_t *sc = (const int8_t *)(block + 192 + 8 * half128);
        __m256i a = _mm256_loadu_si256((const __m256i *)ql), b = _mm256_loadu_si256((const __m256i *)(ql + 32));
        __m256i high = _mm256_loadu_si256((const __m256i *)qh);
        __m256i q[4] = {
            _mm256_or_si256(_mm256_and_si256(a, low4), _mm256_slli_epi16(_mm256_and_si256(high, three), 4)),
            _mm256_or_si256(_mm256_and_si256(b, low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2), three), 4)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 4), three), 4)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 6), three), 4)),
        };
        for (int part = 0; part < 4; part++) {
            int8_t v[32];
            _mm256_storeu_si256((__m256i *)v, _mm256_sub_epi8(q[part], thirty_two));
            for (int c = 0; c < 4; c++) {
                __m256 scale = _mm256_set1_ps(d * sc[c / 2 + 2 * part]);
                __m256 f = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(v + 8 * c))));
                _mm256_storeu_ps(out + 128 * half128 + 32 * part + 8 * c, _mm256_mul_ps(scale, f));
            }
        }
    }
}

/// Rows of x in groups of up to 4, so that each block is widened once per group.
static __attribute__((target("avx2,fma,f16c")))
void block_matmul_avx2(int type, const float *x, size_t m, size_t k, const void *w, size_t n,
                       size_t first, size_t end, const float *bias, float *out) {
    size_t row_bytes = cl_block_row_bytes(type, k), step = block_bytes(type), blocks = k / 32;
    if (type == CL_BLOCK_Q4_K || type == CL_BLOCK_Q6_K) {
        float weights[256] __attribute__((aligned(32)));
        for (size_t j = first; j < end; j++) {
            const uint8_t *row = (const uint8_t *)w + j * row_bytes;
            for (size_t r0 = 0; r0 < m; r0 += 4) {
                size_t rows = m - r0 < 4 ? m - r0 : 4;
                __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
                for (size_t b = 0; b < k / 256; b++) {
                    widen_k_block_avx2(type, row + b * step, weights);
                    for (size_t r = 0; r < rows; r++) {
                        const float *xs = x + (r0 + r) * k + 256 * b;
                        for (int i = 0; i < 256; i += 8) acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xs + i), _mm256_load_ps(weights + i), acc[r]);
                    }
                }
                for (size_t r = 0; r < rows; r++) out[(r0 + r) * n + j] = sum8(acc[r]) + (bias ? bias[j] : 0);
            }
        }
        return;
    }
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
