// Attention over a half-precision key/value cache: the portable code converts with the compiler's
// _Float16 (IEEE binary16, round to nearest even); with F16C the conversions happen eight lanes at
// a time in registers.
#include "half_attention.h"

#include <math.h>
#include <string.h>
#include "block_formats.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline float widen(uint16_t h) {
    _Float16 f;
    memcpy(&f, &h, 2);
    return (float)f;
}

void cl_half_store_portable(const float *src, uint16_t *dst, size_t n) {
    for (size_t i = 0; i < n; i++) {
        _Float16 f = (_Float16)src[i];
        memcpy(dst + i, &f, 2);
    }
}

void cl_half_load(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = widen(src[i]);
}

void cl_half_scores_portable(const float *q, const uint16_t *keys, size_t d, size_t count, float scale, float *scores) {
    for (size_t j = 0; j < count; j++) {
        float sum = 0;
        for (size_t i = 0; i < d; i++) sum += q[i] * widen(keys[j * d + i]);
        scores[j] = sum * scale;
    }
}

void cl_half_accumulate_portable(const float *p, const uint16_t *values, size_t d, size_t count, float *out) {
    for (size_t j = 0; j < count; j++) {
        for (size_t i = 0; i < d; i++) out[i] += p[j] * widen(values[j * d + i]);
    }
}

#if defined(__x86_64__)
static __attribute__((target("avx2,fma,f16c"))) void store_f16c(const float *src, uint16_t *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128((__m128i *)(dst + i), h);
    }
    cl_half_store_portable(src + i, dst + i, n - i);
}

/// One key's score: d/8 products in a chain, summed across lanes.
static inline __attribute__((always_inline, target("avx2,fma,f16c")))
__m256 key_products(const float *q, const uint16_t *k, size_t full) {
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < full; i += 8) {
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i))), acc);
    }
    return acc;
}

static __attribute__((target("avx2,fma,f16c")))
void scores_f16c(const float *q, const uint16_t *keys, size_t d, size_t count, float scale, float *scores) {
    size_t full = d / 8 * 8, j = 0;
    // Four keys at a time: four independent chains keep the FMA units busy (one chain waited on
    // each product's latency; attention took a fifth of reading a long prompt).
    for (; j + 4 <= count && full == d; j += 4) {
        __m256 a0 = key_products(q, keys + j * d, full), a1 = key_products(q, keys + (j + 1) * d, full);
        __m256 a2 = key_products(q, keys + (j + 2) * d, full), a3 = key_products(q, keys + (j + 3) * d, full);
        scores[j] = sum8(a0) * scale;
        scores[j + 1] = sum8(a1) * scale;
        scores[j + 2] = sum8(a2) * scale;
        scores[j + 3] = sum8(a3) * scale;
    }
    for (; j < count; j++) {
        const uint16_t *k = keys + j * d;
        float sum = sum8(key_products(q, k, full));
        for (size_t i = full; i < d; i++) sum += q[i] * widen(k[i]);
        scores[j] = sum * scale;
    }
}

/// out (GROUPS·8 floats) += Σ_j p[j] · value j, where VALUE(j, g) loads lanes 8g..8g+7 of value j:
/// positions outside, the row's GROUPS vectors of sums in registers, each position's products
/// independent of one another. For the cache's halves and for widened floats alike.
#define WEIGHTED_SUM(GROUPS, VALUE)                                                                       \
    do {                                                                                                  \
        __m256 acc[GROUPS];                                                                               \
        for (int g = 0; g < GROUPS; g++) acc[g] = _mm256_loadu_ps(out + 8 * g);                           \
        for (size_t j = 0; j < count; j++) {                                                              \
            __m256 weight = _mm256_set1_ps(p[j]);                                                         \
            for (int g = 0; g < GROUPS; g++) acc[g] = _mm256_fmadd_ps(weight, VALUE(j, g), acc[g]);       \
        }                                                                                                 \
        for (int g = 0; g < GROUPS; g++) _mm256_storeu_ps(out + 8 * g, acc[g]);                           \
    } while (0)
#define HALF_VALUE(j, g) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(values + (j) * d + 8 * (g))))
#define FLOAT_VALUE(j, g) _mm256_loadu_ps(v + (j) * d + 8 * (g))

static __attribute__((target("avx2,fma,f16c")))
void accumulate_f16c(const float *p, const uint16_t *values, size_t d, size_t count, float *out) {
    // The common head sizes with their sums in registers; any other the same way through memory.
    switch (d) {
    case 32: WEIGHTED_SUM(4, HALF_VALUE); return;
    case 64: WEIGHTED_SUM(8, HALF_VALUE); return;
    case 128: WEIGHTED_SUM(16, HALF_VALUE); return;
    default: break;
    }
    size_t full = d / 8 * 8;
    for (size_t j = 0; j < count; j++) {
        __m256 weight = _mm256_set1_ps(p[j]);
        for (size_t i = 0; i < full; i += 8) {
            __m256 v = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(values + j * d + i)));
            _mm256_storeu_ps(out + i, _mm256_fmadd_ps(weight, v, _mm256_loadu_ps(out + i)));
        }
        for (size_t i = full; i < d; i++) out[i] += p[j] * widen(values[j * d + i]);
    }
}

static inline __attribute__((always_inline, target("avx2,fma,f16c"))) __m256 widen8(const uint16_t *h) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)h));
}

static __attribute__((target("avx2,fma,f16c"))) void widen_f16c(const uint16_t *halves, size_t count, float *out) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(out + i, widen8(halves + i));
    for (; i < count; i++) out[i] = widen(halves[i]);
}

/// Four widened keys at a time against one query: four independent chains.
static __attribute__((target("avx2,fma,f16c")))
void dot_keys_avx2(const float *q, const float *k, size_t d, size_t count, float scale, float *scores) {
    size_t j = 0;
    for (; j + 4 <= count; j += 4) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t i = 0; i < d; i += 8) {
            __m256 x = _mm256_loadu_ps(q + i);
            a0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(k + j * d + i), a0);
            a1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(k + (j + 1) * d + i), a1);
            a2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(k + (j + 2) * d + i), a2);
            a3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(k + (j + 3) * d + i), a3);
        }
        scores[j] = sum8(a0) * scale;
        scores[j + 1] = sum8(a1) * scale;
        scores[j + 2] = sum8(a2) * scale;
        scores[j + 3] = sum8(a3) * scale;
    }
    for (; j < count; j++) {
        __m256 a = _mm256_setzero_ps();
        for (size_t i = 0; i < d; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(k + j * d + i), a);
        scores[j] = sum8(a) * scale;
    }
}

/// d a multiple of 8.
static __attribute__((target("avx2,fma,f16c")))
void add_values_avx2(const float *p, const float *v, size_t d, size_t count, float *out) {
    switch (d) {
    case 32: WEIGHTED_SUM(4, FLOAT_VALUE); return;
    case 64: WEIGHTED_SUM(8, FLOAT_VALUE); return;
    case 128: WEIGHTED_SUM(16, FLOAT_VALUE); return;
    default: break;
    }
    for (size_t j = 0; j < count; j++) {
        __m256 weight = _mm256_set1_ps(p[j]);
        for (size_t i = 0; i < d; i += 8) _mm256_storeu_ps(out + i, _mm256_fmadd_ps(weight, FLOAT_VALUE(j, i / 8), _mm256_loadu_ps(out + i)));
    }
}
#endif

void cl_half_store(const float *src, uint16_t *dst, size_t n) {
#if defined(__x86_64__)
    if (cpu_has_avx2()) { store_f16c(src, dst, n); return; }
#endif
    cl_half_store_portable(src, dst, n);
}

void cl_half_scores(const float *q, const uint16_t *keys, size_t d, size_t count, float scale, float *scores) {
#if defined(__x86_64__)
    if (cpu_has_avx2()) { scores_f16c(q, keys, d, count, scale, scores); return; }
#endif
    cl_half_scores_portable(q, keys, d, count, scale, scores);
}

void cl_half_accumulate(const float *p, const uint16_t *values, size_t d, size_t count, float *out) {
#if defined(__x86_64__)
    if (cpu_has_avx2()) { accumulate_f16c(p, values, d, count, out); return; }
#endif
    cl_half_accumulate_portable(p, values, d, count, out);
}

// MARK: - A prompt's attention in matrix form

/// Query rows per tile: their scores (TILE · group × positions floats) stay in cache.
#define PROMPT_TILE 16
/// Keys or values widened at a time.
#define KEY_BLOCK 64

size_t cl_half_attention_scratch(size_t d, size_t positions, size_t group) {
    return PROMPT_TILE * group * positions + KEY_BLOCK * d;
}

static void widen_halves(const uint16_t *halves, size_t count, float *out) {
#if defined(__x86_64__)
    if (cpu_has_avx2()) { widen_f16c(halves, count, out); return; }
#endif
    for (size_t i = 0; i < count; i++) out[i] = widen(halves[i]);
}

/// scores[j] = scale · q · k_j for the `count` widened keys (row-major, d each).
static void dot_keys(const float *q, const float *k, size_t d, size_t count, float scale, float *scores) {
#if defined(__x86_64__)
    if (cpu_has_avx2() && d % 8 == 0) { dot_keys_avx2(q, k, d, count, scale, scores); return; }
#endif
    for (size_t j = 0; j < count; j++) {
        float sum = 0;
        for (size_t i = 0; i < d; i++) sum += q[i] * k[j * d + i];
        scores[j] = sum * scale;
    }
}

/// out (d) += Σ_j p[j] · v_j over `count` widened values.
static void add_values(const float *p, const float *v, size_t d, size_t count, float *out) {
#if defined(__x86_64__)
    if (cpu_has_avx2() && d % 8 == 0) { add_values_avx2(p, v, d, count, out); return; }
#endif
    for (size_t j = 0; j < count; j++) {
        for (size_t i = 0; i < d; i++) out[i] += p[j] * v[j * d + i];
    }
}

void cl_half_attention_prompt(const float *q, size_t q_stride, size_t group, const uint16_t *keys, const uint16_t *values,
                              size_t d, size_t first, size_t rows, size_t window, float scale, float *out, size_t out_stride,
                              float *scratch) {
    float *block = scratch + PROMPT_TILE * group * (first + rows);
    for (size_t r0 = 0; r0 < rows; r0 += PROMPT_TILE) {
        size_t r1 = r0 + PROMPT_TILE < rows ? r0 + PROMPT_TILE : rows;
        size_t end = first + r1;  // the tile's last row sees positions < end
        size_t start = window && first + r0 + 1 > window ? first + r0 + 1 - window : 0;
        size_t width = end - start;
        float *scores = scratch;  // ((r1 - r0) · group) × width
        for (size_t j0 = start; j0 < end; j0 += KEY_BLOCK) {
            size_t count = end - j0 < KEY_BLOCK ? end - j0 : KEY_BLOCK;
            widen_halves(keys + j0 * d, count * d, block);
            for (size_t r = r0; r < r1; r++) {
                for (size_t g = 0; g < group; g++) {
                    dot_keys(q + r * q_stride + g * d, block, d, count, scale, scores + ((r - r0) * group + g) * width + (j0 - start));
                }
            }
        }
        // Each row's softmax over what it sees; the rest of its tile's columns weigh nothing.
        for (size_t r = r0; r < r1; r++) {
            size_t visible = first + r + 1, from = window && visible > window ? visible - window : 0;
            for (size_t g = 0; g < group; g++) {
                float *row = scores + ((r - r0) * group + g) * width;
                float top = -INFINITY, sum = 0;
                for (size_t j = from; j < visible; j++) top = fmaxf(top, row[j - start]);
                for (size_t j = start; j < end; j++) {
                    float e = j >= from && j < visible ? expf(row[j - start] - top) : 0;
                    row[j - start] = e;
                    sum += e;
                }
                for (size_t j = start; j < end; j++) row[j - start] /= sum;
                float *target = out + r * out_stride + g * d;
                for (size_t i = 0; i < d; i++) target[i] = 0;
            }
        }
        for (size_t j0 = start; j0 < end; j0 += KEY_BLOCK) {
            size_t count = end - j0 < KEY_BLOCK ? end - j0 : KEY_BLOCK;
            widen_halves(values + j0 * d, count * d, block);
            for (size_t r = r0; r < r1; r++) {
                size_t visible = first + r + 1;
                if (j0 >= visible) continue;
                size_t seen = visible - j0 < count ? visible - j0 : count;
                for (size_t g = 0; g < group; g++) {
                    add_values(scores + ((r - r0) * group + g) * width + (j0 - start), block, d, seen, out + r * out_stride + g * d);
                }
            }
        }
    }
}

// MARK: - A cache held as floats

void cl_float_scores(const float *q, const float *keys, size_t d, size_t count, float scale, float *scores) {
    dot_keys(q, keys, d, count, scale, scores);
}

void cl_float_accumulate(const float *p, const float *values, size_t d, size_t count, float *out) {
    add_values(p, values, d, count, out);
}
