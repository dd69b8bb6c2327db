// ggml's block layouts (ggml/src/ggml-common.h, ggml-quants.c), shared by the float and the integer
// kernels: block sizes, the half-precision scale, and one block widened to floats.
#ifndef CODELOOP_BLOCK_FORMATS_H
#define CODELOOP_BLOCK_FORMATS_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ggml_types_table.h"

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

/// The 32-weight formats with a min after the scale (w = d·q + m, the min in bytes 2–3); the other
/// three (Q8_0, Q4_0, Q5_0) have signed quants once their offsets are taken off.
static inline int has_min(int type) { return cl_ggml_types[type].has_min; }

/// Weights the kernels widen at once: a block, or 32 halves for F16.
static inline size_t kernel_block_size(int type) { return type == CL_BLOCK_F16 ? 32 : (size_t)cl_ggml_types[type].block_size; }

/// Bytes of what the kernels widen at once.
static inline size_t block_bytes(int type) {
    return kernel_block_size(type) / (size_t)cl_ggml_types[type].block_size * (size_t)cl_ggml_types[type].block_bytes;
}

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

/// Q4_1, Q5_0 and Q5_1's nibbles (low ones weights 0..15, high ones 16..31), and in `high` the fifth
/// bits (bit i of weight i; none for Q4_1).
static inline const uint8_t *fifth_bits_and_nibbles(int type, const uint8_t *block, uint32_t *high) {
    size_t at = type == CL_BLOCK_Q5_0 ? 2 : 4;  // after d (and m)
    *high = 0;
    if (type == CL_BLOCK_Q4_1) return block + at;
    memcpy(high, block + at, 4);
    return block + at + 4;
}

/// A 32-weight block's quants in weight order, offsets taken off (Q4_0's 8, Q5_0's 16); Q4_1 and
/// Q5_1 keep theirs unsigned, their min added apart. w = d · q (+ m).
static inline void small_block_quants(int type, const uint8_t *block, int8_t q[32]) {
    if (type == CL_BLOCK_Q8_0) {
        memcpy(q, block + 2, 32);
        return;
    }
    uint32_t high = 0;
    const uint8_t *qs = type == CL_BLOCK_Q4_0 ? block + 2 : fifth_bits_and_nibbles(type, block, &high);
    int offset = type == CL_BLOCK_Q4_0 ? 8 : type == CL_BLOCK_Q5_0 ? 16 : 0;
    for (int i = 0; i < 16; i++) {
        q[i] = (int8_t)(((qs[i] & 0xF) | (((high >> i) & 1) << 4)) - offset);
        q[i + 16] = (int8_t)(((qs[i] >> 4) | (((high >> (i + 16)) & 1) << 4)) - offset);
    }
}

/// Q6_K's 256 quants in weight order, the offset of 32 taken off; weight i's scale is the int8 at
/// block + 192 + i / 16.
static inline void q6k_quants(const uint8_t *block, int8_t q[256]) {
    for (int half128 = 0; half128 < 2; half128++) {
        const uint8_t *ql = block + 64 * half128, *qh = block + 128 + 32 * half128;
        int8_t *y = q + 128 * half128;
        for (int l = 0; l < 32; l++) {
            y[l] = (int8_t)(((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32);
            y[l + 32] = (int8_t)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
            y[l + 64] = (int8_t)(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            y[l + 96] = (int8_t)(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
    }
}

/// One block (32 weights, or 256 for the K formats) widened into out.
static inline void widen_block(int type, const uint8_t *block, float *out) {
    switch (type) {
    case CL_BLOCK_F16:
        for (int i = 0; i < 32; i++) out[i] = half_to_float(load_half(block + 2 * i));
        break;
    case CL_BLOCK_Q4_0: case CL_BLOCK_Q4_1: case CL_BLOCK_Q5_0: case CL_BLOCK_Q5_1: case CL_BLOCK_Q8_0: {
        float d = half_to_float(load_half(block));
        float m = has_min(type) ? half_to_float(load_half(block + 2)) : 0;
        int8_t q[32];
        small_block_quants(type, block, q);
        for (int i = 0; i < 32; i++) out[i] = d * (float)q[i] + m;
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
        const int8_t *scales = (const int8_t *)(block + 192);
        int8_t q[256];
        q6k_quants(block, q);
        for (int i = 0; i < 256; i++) out[i] = d * scales[i / 16] * q[i];
        break;
    }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/// The sum of eight float lanes.
static inline __attribute__((always_inline, target("avx2,fma"))) float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// AVX2 with FMA and F16C, asked of the CPU once. The answer is cached in an atomic: threads
/// that ask at once may each compute it (the same value), but none reads a torn or racing store
/// (ThreadSanitizer reported the plain int).
/// The most the kernels may use, from CODELOOP_CPU: "portable" (plain C), "avx2" (no AVX-512), or
/// unset for whatever the CPU has — to measure or bisect a smaller machine's paths on a larger one.
static inline int cpu_allows(const char *level) {
    const char *cap = getenv("CODELOOP_CPU");
    if (cap != NULL && strcmp(cap, "portable") == 0) return 0;
    if (cap != NULL && strcmp(cap, "avx2") == 0) return strcmp(level, "avx2") == 0;
    return 1;
}

static inline int cpu_has_avx2(void) {
    static _Atomic int known = -1;
    int value = atomic_load_explicit(&known, memory_order_relaxed);
    if (value < 0) {
        __builtin_cpu_init();
        value = cpu_allows("avx2") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
        atomic_store_explicit(&known, value, memory_order_relaxed);
    }
    return value;
}

/// AVX-512 with VNNI (vpdpbusd) and byte operations (BW, VL), asked of the CPU once.
static inline int cpu_has_avx512_vnni(void) {
    static _Atomic int known = -1;
    int value = atomic_load_explicit(&known, memory_order_relaxed);
    if (value < 0) {
        __builtin_cpu_init();
        value = cpu_has_avx2() && cpu_allows("avx512") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
        atomic_store_explicit(&known, value, memory_order_relaxed);
    }
    return value;
}
#endif

#endif
