// Integer products of ggml's quantized formats with 8-bit activations, the scheme of llama.cpp's
// vec_dot kernels (formats: ggml/src/ggml-quants.c): the 32-weight formats against 32-element
// activation blocks, the K formats against 256-element ones that carry their sums per 16.
#include "quantized_matmul.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "block_formats.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// 32 activations x ≈ d · q; s = d · Σq, for the formats whose weights have a min.
typedef struct { float d, s; int8_t q[32]; } act32;
/// 256 activations x ≈ d · q, with the sums of q per 16 (the K formats' mins and offsets).
typedef struct { float d; int16_t sums[16]; int8_t q[256]; } act256;

static int is_k_format(int type) { return type == CL_BLOCK_Q4_K || type == CL_BLOCK_Q6_K; }

size_t cl_quantized_activation_bytes(int type, size_t m, size_t k) {
    return is_k_format(type) ? m * (k / 256) * sizeof(act256) : m * (k / 32) * sizeof(act32);
}

#if defined(__x86_64__)
/// quantize_block in vectors (its rounding, to nearest even, is lrintf's): lrintf called per value
/// took 2.8 % of sampling 20 sequences of the 1.5B shape at Q8_0.
static __attribute__((target("avx2,fma"))) float quantize_block_avx2(const float *x, int size, int8_t *q) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 amax = _mm256_setzero_ps();
    for (int i = 0; i < size; i += 8) amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
    __m128 half = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    half = _mm_max_ps(half, _mm_movehl_ps(half, half));
    half = _mm_max_ss(half, _mm_movehdup_ps(half));
    float d = _mm_cvtss_f32(half) / 127, inverse = d > 0 ? 1 / d : 0;
    __m256 scale = _mm256_set1_ps(inverse);
    for (int i = 0; i < size; i += 32) {
        __m256i v[4];
        for (int p = 0; p < 4; p++) v[p] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 8 * p), scale));
        // The packs interleave 128-bit lanes; the permutation puts the 32 bytes back in order.
        __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    }
    return d;
}
#endif

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

/// Σ w·x over one 32-weight block.
static float dot32_portable(int type, const uint8_t *block, const act32 *a) {
    int8_t q[32];
    small_block_quants(type, block, q);
    int sum = 0;
    for (int i = 0; i < 32; i++) sum += q[i] * a->q[i];
    float product = half_to_float(load_half(block)) * a->d * (float)sum;
    return has_min(type) ? product + half_to_float(load_half(block + 2)) * a->s : product;
}

/// Σ w·x over one 256-weight block.
static float dot256_portable(int type, const uint8_t *block, const act256 *a) {
    if (type == CL_BLOCK_Q4_K) {
        float d = half_to_float(load_half(block)), dmin = half_to_float(load_half(block + 2));
        int sum = 0, mins = 0;
        for (int j = 0; j < 8; j++) {  // sub-block j: weights 32j..32j+31, nibbles of bytes 32(j/2).. (low for even j)
            uint8_t scale, min;
            scale_min_k4(j, block + 4, &scale, &min);
            const uint8_t *qs = block + 16 + 32 * (j / 2);
            int part = 0;
            for (int l = 0; l < 32; l++) part += (j % 2 ? qs[l] >> 4 : qs[l] & 0xF) * a->q[32 * j + l];
            sum += scale * part;
            mins += min * (a->sums[2 * j] + a->sums[2 * j + 1]);
        }
        return a->d * (d * (float)sum - dmin * (float)mins);
    }
    float d = half_to_float(load_half(block + 208));
    const int8_t *scales = (const int8_t *)(block + 192);
    int8_t q[256];
    q6k_quants(block, q);
    int sum = 0;
    for (int i = 0; i < 256; i++) sum += scales[i / 16] * q[i] * a->q[i];
    return d * a->d * (float)sum;
}

static void quantized_matmul_portable(int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                                      size_t first, size_t end, const float *bias, float *out) {
    size_t size = kernel_block_size(type), blocks = k / size, step = block_bytes(type);
    for (size_t j = first; j < end; j++) {
        const uint8_t *row = (const uint8_t *)w + j * blocks * step;
        for (size_t r = 0; r < m; r++) {
            float sum = 0;
            for (size_t b = 0; b < blocks; b++) {
                sum += size == 256 ? dot256_portable(type, row + b * step, (const act256 *)xq + r * blocks + b)
                                   : dot32_portable(type, row + b * step, (const act32 *)xq + r * blocks + b);
            }
            out[r * n + j] = sum + (bias ? bias[j] : 0);
        }
    }
}

// MARK: - AVX2 (maddubs), and AVX-512 VNNI where the CPU has it (vpdpbusd)

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

/// Eight int32 lanes, each the sum of four products of unsigned bytes u with signed bytes s.
/// maddubs saturates its int16 pairs, but no pair here comes near: |u| ≤ 128, |s| ≤ 127.
static inline __attribute__((always_inline)) AVX2 __m256i dot_u8_i8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

/// The half at p in all 8 lanes. _cvtsh_ss compiled to a vpinsrw into whatever register was free, which
/// could be an accumulator: a false dependency that chained each block's loads to the last one's sums.
static inline __attribute__((always_inline)) AVX2 __m256 half8(const uint8_t *p) {
    return _mm256_cvtph_ps(_mm_set1_epi16((short)load_half(p)));
}

static inline __attribute__((always_inline)) AVX2 float half1(const uint8_t *p) { return _mm256_cvtss_f32(half8(p)); }

/// Byte i is 0x10 where bit i of `high` is set: a Q5 format's fifth bits in place.
static inline __attribute__((always_inline)) AVX2 __m256i fifth_bits(uint32_t high) {
    const __m256i which = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                           2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)high), which);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit), _mm256_set1_epi8(0x10));
}

/// A 32-weight block's quants as 32 bytes in weight order: signed for Q8_0, Q4_0 and Q5_0 (offsets
/// taken off), unsigned for Q4_1 and Q5_1 (whose min is added apart).
static inline __attribute__((always_inline)) AVX2 __m256i quants32(int type, const uint8_t *block) {
    if (type == CL_BLOCK_Q8_0) return _mm256_loadu_si256((const __m256i *)(block + 2));
    uint32_t high = 0;
    const uint8_t *qs = type == CL_BLOCK_Q4_0 ? block + 2 : fifth_bits_and_nibbles(type, block, &high);
    __m128i packed = _mm_loadu_si128((const __m128i *)qs);
    __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0xF));
    if (type != CL_BLOCK_Q4_0 && type != CL_BLOCK_Q4_1) q = _mm256_or_si256(q, fifth_bits(high));
    if (type == CL_BLOCK_Q4_0) return _mm256_sub_epi8(q, _mm256_set1_epi8(8));
    if (type == CL_BLOCK_Q5_0) return _mm256_sub_epi8(q, _mm256_set1_epi8(16));
    return q;
}

// Weights fetched this far ahead of use. One core streams a matrix faster than its hardware
// prefetcher alone lets it (batch-1 Q8_0 decoding measured 19 → 25 tokens/s at 2 threads; Q4_K
// best at 4 KB ahead, 7.0 → 8.2, where Q8_0 measured the same at 2 and 4 KB).
#define PREFETCH_BYTES 4096

/// One row of x against the 32-weight rows first..<end, streaming through the weights with two blocks
/// in flight; `type` is a constant at each call, so each format gets its own loop. Its _cvtsh_ss stays:
/// here it never landed on a live register, and half8 in its place measured 1.5 % slower.
#define STREAM32_BODY(DOT)                                                                                      \
    size_t blocks = k / 32, step = block_bytes(type);                                                           \
    int is_signed = !has_min(type);                                                                            \
    for (size_t j = first; j < end; j++) {                                                                      \
        const uint8_t *row = (const uint8_t *)w + j * blocks * step;                                            \
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();                                          \
        float mins = 0;                                                                                         \
        size_t b = 0;                                                                                           \
        for (; b + 2 <= blocks; b += 2) {                                                                       \
            const uint8_t *block0 = row + b * step, *block1 = block0 + step;                                    \
            _mm_prefetch((const char *)block0 + PREFETCH_BYTES, _MM_HINT_T0);                                   \
            __m256i q0 = quants32(type, block0), q1 = quants32(type, block1);                                   \
            __m256i x0 = _mm256_loadu_si256((const __m256i *)xa[b].q), x1 = _mm256_loadu_si256((const __m256i *)xa[b + 1].q); \
            __m256i p0 = DOT(is_signed ? _mm256_abs_epi8(q0) : q0, is_signed ? _mm256_sign_epi8(x0, q0) : x0);  \
            __m256i p1 = DOT(is_signed ? _mm256_abs_epi8(q1) : q1, is_signed ? _mm256_sign_epi8(x1, q1) : x1);  \
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(load_half(block0)) * xa[b].d), _mm256_cvtepi32_ps(p0), acc0); \
            acc1 = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(load_half(block1)) * xa[b + 1].d), _mm256_cvtepi32_ps(p1), acc1); \
            if (has_min(type))                                                                                  \
                mins += half1(block0 + 2) * xa[b].s + half1(block1 + 2) * xa[b + 1].s;                          \
        }                                                                                                       \
        for (; b < blocks; b++) {                                                                               \
            const uint8_t *block = row + b * step;                                                              \
            __m256i q = quants32(type, block), x = _mm256_loadu_si256((const __m256i *)xa[b].q);                \
            __m256i p = DOT(is_signed ? _mm256_abs_epi8(q) : q, is_signed ? _mm256_sign_epi8(x, q) : x);        \
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(load_half(block)) * xa[b].d), _mm256_cvtepi32_ps(p), acc0); \
            if (has_min(type)) mins += half1(block + 2) * xa[b].s;                                              \
        }                                                                                                       \
        out[j] = sum8(_mm256_add_ps(acc0, acc1)) + mins + (bias ? bias[j] : 0);                                 \
    }

/// Rows of x taken together by the multi-row kernels: each block is unpacked once per tile of up to
/// this many rows, split evenly (20 samples: two tiles of 10). 20 samples of one prompt ran at 35
/// tokens/s through the K kernels in tiles of 4, 41 in 8, 44 in 10, 41 in 20.
#define TILE_ROWS 10

/// Rows r0..<r0 + rows of the tile-th of `tiles` even tiles over m rows.
#define TILE_BOUNDS(m, tiles, tile, r0, rows) \
    size_t r0 = (m) * (tile) / (tiles), rows = (m) * ((tile) + 1) / (tiles) - r0

/// CALL with `tile_rows` a constant equal to `rows` in each case, so that the loops over rows
/// unroll and their sums stay in registers.
#define ROWS_CASE(R, CALL) case R: { enum { tile_rows = R }; CALL; } break;
#define FOR_EACH_ROW_COUNT(CALL)                                                                     \
    switch (rows) {                                                                                  \
    ROWS_CASE(1, CALL) ROWS_CASE(2, CALL) ROWS_CASE(3, CALL) ROWS_CASE(4, CALL) ROWS_CASE(5, CALL)      \
    ROWS_CASE(6, CALL) ROWS_CASE(7, CALL) ROWS_CASE(8, CALL) ROWS_CASE(9, CALL) ROWS_CASE(10, CALL)     \
    }
_Static_assert(TILE_ROWS == 10, "FOR_EACH_ROW_COUNT covers 1 to TILE_ROWS rows");

/// A tile of rows of x (each x[r] its first block) against one row of 32-weight blocks. Taking two
/// weight rows at once, so that each x block is loaded once for both, measured slower (29.5 against
/// 31.5 tokens/s, 20 samples of the 1.5B shape at Q8_0), though before half8 took out a false dependency.
static inline __attribute__((always_inline)) AVX2
void tile32_avx2(int type, const uint8_t *row, size_t blocks, const act32 *const x[TILE_ROWS], size_t rows, float sums[TILE_ROWS]) {
    size_t step = block_bytes(type);
    int is_signed = !has_min(type);
    __m256 acc[TILE_ROWS];
    float mins[TILE_ROWS];
    for (size_t r = 0; r < rows; r++) { acc[r] = _mm256_setzero_ps(); mins[r] = 0; }
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *block = row + b * step;
        _mm_prefetch((const char *)block + PREFETCH_BYTES, _MM_HINT_T0);
        __m256 d = half8(block);
        __m256i q = quants32(type, block);
        __m256i u = is_signed ? _mm256_abs_epi8(q) : q;
        float min = has_min(type) ? half1(block + 2) : 0;
        for (size_t r = 0; r < rows; r++) {
            const act32 *a = x[r] + b;
            __m256i xq = _mm256_loadu_si256((const __m256i *)a->q);
            __m256i products = dot_u8_i8(u, is_signed ? _mm256_sign_epi8(xq, q) : xq);
            // The scales multiplied as vectors, x's broadcast from memory (a load, not a shuffle).
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(d, _mm256_broadcast_ss(&a->d)), _mm256_cvtepi32_ps(products), acc[r]);
            if (has_min(type)) mins[r] += min * a->s;
        }
    }
    for (size_t r = 0; r < rows; r++) sums[r] = sum8(acc[r]) + mins[r];
}

// MARK: - Reading a prompt: many rows, register tiles

/// Rows from which the 32-weight formats take the register-tiled kernels below. Fewer (sampling
/// n sequences) keep the tile kernels above, whose weights stream once per 10 rows.
#define GEMM_MIN_ROWS 32

/// A tile of RM rows of x against RN rows of 32-weight blocks, each product a 256-bit integer dot
/// product turned into floats once per block (as llama.cpp's tinyBLAS does), with every weight block
/// unpacked once for RM rows and every activation block loaded once for RN weight rows. 256-bit
/// vectors throughout: on AMD's Zen 4 a 512-bit operation takes two 256-bit slots, and the earlier
/// 512-bit kernel ran 0.57× llama.cpp's prompt speed there. VNNI: one vpdpbusd per product, the
/// activations made unsigned by adding 128 (x ^ 0x80) and 128·Σq taken off through the
/// accumulator it starts from; the formats with a min multiply unsigned weights by signed x.
/// AVX2: maddubs with the sign moved onto x, as above.
#define GEMM_TILE(NAME, ATTRIBUTES, VNNI_DOT, VNNI_PRODUCT)                                                                        \
static inline __attribute__((always_inline)) ATTRIBUTES                                                              \
void NAME(int type, const act32 *xa, size_t blocks, const uint8_t *w, size_t row_bytes, const int RM, const int RN,   \
          float *out, size_t n, const float *bias) {                                                                 \
    size_t step = block_bytes(type);                                                                                 \
    int is_signed = !has_min(type);                                                                                  \
    __m256 acc[4][4];                                                                                                \
    float mins[4][4];                                                                                                \
    for (int r = 0; r < RM; r++)                                                                                     \
        for (int c = 0; c < RN; c++) { acc[r][c] = _mm256_setzero_ps(); mins[r][c] = 0; }                             \
    for (size_t b = 0; b < blocks; b++) {                                                                            \
        __m256i q[4], u[4];                                                                                          \
        __m256 dw[4];                                                                                                \
        float mw[4];                                                                                                 \
        for (int c = 0; c < RN; c++) {                                                                               \
            const uint8_t *block = w + c * row_bytes + b * step;                                                     \
            q[c] = quants32(type, block);                                                                            \
            dw[c] = half8(block);                                                                                    \
            mw[c] = has_min(type) ? half1(block + 2) : 0;                                                            \
            u[c] = VNNI_DOT ? (is_signed ? _mm256_sub_epi32(_mm256_setzero_si256(),                                  \
                                                            VNNI_PRODUCT(_mm256_setzero_si256(), _mm256_set1_epi8((char)0x80), q[c])) \
                                         : _mm256_setzero_si256())                                                   \
                            : (is_signed ? _mm256_abs_epi8(q[c]) : q[c]);                                            \
        }                                                                                                            \
        for (int r = 0; r < RM; r++) {                                                                               \
            const act32 *a = xa + r * blocks + b;                                                                    \
            __m256i x = _mm256_loadu_si256((const __m256i *)a->q);                                                   \
            __m256 dx = _mm256_broadcast_ss(&a->d);                                                                  \
            if (VNNI_DOT && is_signed) x = _mm256_xor_si256(x, _mm256_set1_epi8((char)0x80));                        \
            for (int c = 0; c < RN; c++) {                                                                           \
                __m256i p = VNNI_DOT ? (is_signed ? VNNI_PRODUCT(u[c], x, q[c]) : VNNI_PRODUCT(u[c], q[c], x))        \
                                     : dot_u8_i8(u[c], is_signed ? _mm256_sign_epi8(x, q[c]) : x);                   \
                acc[r][c] = _mm256_fmadd_ps(_mm256_mul_ps(dx, dw[c]), _mm256_cvtepi32_ps(p), acc[r][c]);              \
                if (has_min(type)) mins[r][c] += mw[c] * a->s;                                                       \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
    for (int r = 0; r < RM; r++)                                                                                     \
        for (int c = 0; c < RN; c++) out[r * n + c] = sum8(acc[r][c]) + mins[r][c] + (bias ? bias[c] : 0);           \
}

#define DPBUSD256(acc, u, s) _mm256_dpbusd_epi32(acc, u, s)
#define NO_PRODUCT(acc, u, s) (acc)
GEMM_TILE(gemm_tile_vnni, VNNI, 1, DPBUSD256)
GEMM_TILE(gemm_tile_avx2, AVX2, 0, NO_PRODUCT)

/// Calls TILE with constant tile sizes: full RM × RN tiles, and the smaller ones at the edges.
#define GEMM_BODY(TILE, RM, RN)                                                                                      \
    size_t blocks = k / 32, row_bytes = blocks * block_bytes(type);                                                  \
    for (size_t r0 = 0; r0 < m; r0 += RM) {                                                                          \
        size_t rows = m - r0 < RM ? m - r0 : RM;                                                                     \
        const act32 *x = xa + r0 * blocks;                                                                           \
        for (size_t j = first; j < end; j += RN) {                                                                   \
            size_t cols = end - j < RN ? end - j : RN;                                                               \
            const uint8_t *wj = (const uint8_t *)w + j * row_bytes;                                                  \
            float *o = out + r0 * n + j;                                                                             \
            const float *bj = bias ? bias + j : NULL;                                                                \
            if (rows == RM && cols == RN) TILE(type, x, blocks, wj, row_bytes, RM, RN, o, n, bj);                    \
            else for (size_t r = 0; r < rows; r++)                                                                   \
                for (size_t c = 0; c < cols; c++) TILE(type, x + r * blocks, blocks, wj + c * row_bytes, row_bytes, 1, 1, o + r * n + c, n, bj ? bj + c : NULL); \
        }                                                                                                            \
    }

static inline __attribute__((always_inline)) VNNI void gemm32_vnni(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                                                    size_t first, size_t end, const float *bias, float *out) {
    GEMM_BODY(gemm_tile_vnni, 4, 3)
}

static inline __attribute__((always_inline)) AVX2 void gemm32_avx2(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                                                    size_t first, size_t end, const float *bias, float *out) {
    GEMM_BODY(gemm_tile_avx2, 4, 2)
}

/// Weight rows taken together by the VNNI prompt kernel, interleaved (llama.cpp's repacked
/// Q4_0x8 layout, built here per call): byte group g (weights 4g..4g+3) of the 8 rows lies in
/// one 32-bit lane each, so that one vpdpbusd against 4 activation bytes broadcast to all lanes
/// advances 8 dot products at once, and they end summed per lane, with no horizontal sums.
typedef struct { float d[8]; int32_t offset[8]; int8_t q[256]; } panel8;

/// The panel of weight rows w[0..<rows] (rows ≤ 8; the rest zero), block by block: quants signed,
/// offset −128·Σq (the activations come unsigned, x + 128).
static AVX2 void repack_panel(int type, const uint8_t *w, size_t row_bytes, size_t blocks, size_t rows, panel8 *panel) {
    size_t step = block_bytes(type);
    for (size_t b = 0; b < blocks; b++) {
        panel8 *p = panel + b;
        for (size_t c = 0; c < 8; c++) {
            int8_t q[32] = {0};
            p->d[c] = 0;
            if (c < rows) {
                const uint8_t *block = w + c * row_bytes + b * step;
                _mm256_storeu_si256((__m256i *)q, quants32(type, block));
                p->d[c] = half1(block);
            }
            int sum = 0;
            for (int i = 0; i < 32; i++) sum += q[i];
            p->offset[c] = -128 * sum;
            for (int g = 0; g < 8; g++) memcpy(p->q + 32 * g + 4 * c, q + 4 * g, 4);
        }
    }
}

/// A panel kernel's sums, 8 outputs a row, into out (row stride n), the first `cols` of them.
static inline __attribute__((always_inline)) AVX2 void store_panel_rows(const __m256 *acc, int rows, float *out, size_t n, size_t cols, const float *bias) {
    for (int r = 0; r < rows; r++) {
        float lanes[8];
        _mm256_storeu_ps(lanes, acc[r]);
        for (size_t c = 0; c < cols; c++) out[r * n + c] = lanes[c] + (bias ? bias[c] : 0);
    }
}

/// RM rows of unsigned activations (xu: x ^ 0x80) against one panel: out[r][c] for c < cols.
static inline __attribute__((always_inline)) VNNI
void panel_rows(const act32 *xu, size_t blocks, const panel8 *panel, const int RM, float *out, size_t n, size_t cols, const float *bias) {
    __m256 acc[8];
    for (int r = 0; r < RM; r++) acc[r] = _mm256_setzero_ps();
    for (size_t b = 0; b < blocks; b++) {
        const panel8 *p = panel + b;
        __m256i dots[8];
        __m256i offset = _mm256_loadu_si256((const __m256i *)p->offset);
        for (int r = 0; r < RM; r++) dots[r] = offset;
        for (int g = 0; g < 8; g++) {
            __m256i wg = _mm256_loadu_si256((const __m256i *)(p->q + 32 * g));
            for (int r = 0; r < RM; r++) {
                int32_t bytes;
                memcpy(&bytes, xu[r * blocks + b].q + 4 * g, 4);
                dots[r] = _mm256_dpbusd_epi32(dots[r], _mm256_set1_epi32(bytes), wg);
            }
        }
        __m256 dw = _mm256_loadu_ps(p->d);
        for (int r = 0; r < RM; r++)
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_broadcast_ss(&xu[r * blocks + b].d)), _mm256_cvtepi32_ps(dots[r]), acc[r]);
    }
    store_panel_rows(acc, RM, out, n, cols, bias);
}

/// panel_rows on AVX2, without VNNI: x stays signed, its sign moved onto the weights' magnitudes
/// for maddubs (whose pairs of products would overflow with x + 128 against 8-bit weights).
static inline __attribute__((always_inline)) AVX2
void panel_rows_avx2(const act32 *x, size_t blocks, const panel8 *panel, const int RM, float *out, size_t n, size_t cols, const float *bias) {
    __m256 acc[4];
    const __m256i ones = _mm256_set1_epi16(1);
    for (int r = 0; r < RM; r++) acc[r] = _mm256_setzero_ps();
    for (size_t b = 0; b < blocks; b++) {
        const panel8 *p = panel + b;
        __m256i dots[4];
        for (int r = 0; r < RM; r++) dots[r] = _mm256_setzero_si256();
        for (int g = 0; g < 8; g++) {
            __m256i wg = _mm256_loadu_si256((const __m256i *)(p->q + 32 * g)), magnitude = _mm256_abs_epi8(wg);
            for (int r = 0; r < RM; r++) {
                int32_t bytes;
                memcpy(&bytes, x[r * blocks + b].q + 4 * g, 4);
                __m256i signed_x = _mm256_sign_epi8(_mm256_set1_epi32(bytes), wg);
                dots[r] = _mm256_add_epi32(dots[r], _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, signed_x), ones));
            }
        }
        __m256 dw = _mm256_loadu_ps(p->d);
        for (int r = 0; r < RM; r++)
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_broadcast_ss(&x[r * blocks + b].d)), _mm256_cvtepi32_ps(dots[r]), acc[r]);
    }
    store_panel_rows(acc, RM, out, n, cols, bias);
}

/// Activation rows handled together against every panel: their unsigned copy stays in L2.
#define PANEL_ROW_CHUNK 32
#define PANEL_TILE_ROWS 8

/// The signed 32-weight formats from GEMM_MIN_ROWS rows: this thread's weight rows repacked into
/// panels once, then every chunk of activation rows (for VNNI a copy made unsigned) against every
/// panel. One body for both instruction sets, each compiled for its own.
#define GEMM32_PANELS(NAME, ATTRIBUTES, KERNEL, TILE_ROWS, FLIP)                                               \
static ATTRIBUTES void NAME(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,           \
                            size_t first, size_t end, const float *bias, float *out) {                        \
    size_t blocks = k / 32, row_bytes = blocks * block_bytes(type), panels = (end - first + 7) / 8;           \
    panel8 *panel = aligned_alloc(64, panels * blocks * sizeof(panel8));                                       \
    act32 *xu = FLIP ? aligned_alloc(64, PANEL_ROW_CHUNK * blocks * sizeof(act32)) : NULL;                     \
    for (size_t p = 0; p < panels; p++) {                                                                      \
        size_t j = first + 8 * p, rows = end - j < 8 ? end - j : 8;                                            \
        repack_panel(type, (const uint8_t *)w + j * row_bytes, row_bytes, blocks, rows, panel + p * blocks);   \
    }                                                                                                          \
    const __m256i flip = _mm256_set1_epi8((char)0x80);                                                         \
    for (size_t r0 = 0; r0 < m; r0 += PANEL_ROW_CHUNK) {                                                       \
        size_t chunk = m - r0 < PANEL_ROW_CHUNK ? m - r0 : PANEL_ROW_CHUNK;                                    \
        const act32 *x = xa + r0 * blocks;                                                                     \
        if (FLIP) {                                                                                            \
            for (size_t i = 0; i < chunk * blocks; i++) {                                                      \
                xu[i] = x[i];                                                                                  \
                _mm256_storeu_si256((__m256i *)xu[i].q, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)xu[i].q), flip)); \
            }                                                                                                  \
            x = xu;                                                                                            \
        }                                                                                                      \
        SWEEP_PANELS(KERNEL, x, TILE_ROWS)                                                                     \
    }                                                                                                          \
    free(xu);                                                                                                  \
    free(panel);                                                                                               \
}

/// Every panel against `chunk` rows of X from row r0: tiles of TILE_ROWS rows, then single rows.
#define SWEEP_PANELS(KERNEL, X, TILE_ROWS)                                                                     \
    for (size_t p = 0; p < panels; p++) {                                                                      \
        size_t j = first + 8 * p, cols = end - j < 8 ? end - j : 8;                                            \
        const float *bj = bias ? bias + j : NULL;                                                              \
        size_t r = 0;                                                                                          \
        for (; r + TILE_ROWS <= chunk; r += TILE_ROWS)                                                         \
            KERNEL(X + r * blocks, blocks, panel + p * blocks, TILE_ROWS, out + (r0 + r) * n + j, n, cols, bj); \
        for (; r < chunk; r++) KERNEL(X + r * blocks, blocks, panel + p * blocks, 1, out + (r0 + r) * n + j, n, cols, bj); \
    }

GEMM32_PANELS(gemm32_panels_vnni, VNNI, panel_rows, PANEL_TILE_ROWS, 1)
GEMM32_PANELS(gemm32_panels_avx2, AVX2, panel_rows_avx2, 4, 0)

static inline __attribute__((always_inline)) AVX2 void matmul32_avx2(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                                                     size_t first, size_t end, const float *bias, float *out) {
    if (m == 1) {
        STREAM32_BODY(dot_u8_i8)
        return;
    }
    if (m >= GEMM_MIN_ROWS) {
        if (has_min(type)) gemm32_avx2(type, xa, m, k, w, n, first, end, bias, out);
        else gemm32_panels_avx2(type, xa, m, k, w, n, first, end, bias, out);
        return;
    }
    size_t blocks = k / 32, step = block_bytes(type), tiles = (m + TILE_ROWS - 1) / TILE_ROWS;
    // Tiles outside, weight rows inside: a tile's activations stay in L1 while this thread's rows
    // of weights (a share of the matrix, in L2) pass by, instead of every weight row streaming
    // all of a long prompt's activations from L3.
    for (size_t tile = 0; tile < tiles; tile++) {
        TILE_BOUNDS(m, tiles, tile, r0, rows);
        const act32 *x[TILE_ROWS];
        for (size_t r = 0; r < rows; r++) x[r] = xa + (r0 + r) * blocks;
        for (size_t j = first; j < end; j++) {
            const uint8_t *row = (const uint8_t *)w + j * blocks * step;
            float sums[TILE_ROWS];
            FOR_EACH_ROW_COUNT(tile32_avx2(type, row, blocks, x, tile_rows, sums))
            for (size_t r = 0; r < rows; r++) out[(r0 + r) * n + j] = sums[r] + (bias ? bias[j] : 0);
        }
    }
}

#define DPBUSD(u, s) _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s)
/// Several rows of x (sampling many sequences, reading a prompt): two blocks to a 512-bit vector,
/// the offsets' sign moved onto x with a mask (AVX-512 has no vpsignb), rows in groups of 4.
#define ROWS512 4

static inline __attribute__((always_inline)) VNNI void rows32_avx512(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                                                     size_t first, size_t end, const float *bias, float *out) {
    size_t blocks = k / 32, step = block_bytes(type);
    int is_signed = !has_min(type);
    for (size_t r0 = 0; r0 < m; r0 += ROWS512) {  // rows outside, as in matmul32_avx2
        size_t rows = m - r0 < ROWS512 ? m - r0 : ROWS512;
        for (size_t j = first; j < end; j++) {
            const uint8_t *row = (const uint8_t *)w + j * blocks * step;
            __m512 acc[ROWS512];
            float mins[ROWS512];
            for (int r = 0; r < ROWS512; r++) { acc[r] = _mm512_setzero_ps(); mins[r] = 0; }
            for (size_t b = 0; b < blocks; b += 2) {
                const uint8_t *block0 = row + b * step, *block1 = b + 1 < blocks ? block0 + step : block0;
                _mm_prefetch((const char *)block0 + PREFETCH_BYTES, _MM_HINT_T0);
                // An odd last block pairs with itself, its second half weighted zero.
                float d0 = _cvtsh_ss(load_half(block0)), d1 = b + 1 < blocks ? _cvtsh_ss(load_half(block1)) : 0;
                __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(quants32(type, block0)), quants32(type, block1), 1);
                __m512i u = is_signed ? _mm512_abs_epi8(q) : q;
                __mmask64 negative = _mm512_movepi8_mask(q);
                __m512 dw = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(d0), _mm512_set1_ps(d1));
                for (size_t r = 0; r < rows; r++) {
                    const act32 *a = xa + (r0 + r) * blocks + b, *a1 = b + 1 < blocks ? a + 1 : a;
                    __m512i x = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)a->q)),
                                                   _mm256_loadu_si256((const __m256i *)a1->q), 1);
                    if (is_signed) x = _mm512_mask_sub_epi8(x, negative, _mm512_setzero_si512(), x);
                    __m512i products = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, x);
                    __m512 scale = _mm512_mul_ps(dw, _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(a->d), _mm512_set1_ps(a1->d)));
                    acc[r] = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(products), acc[r]);
                    if (has_min(type)) {
                        mins[r] += _cvtsh_ss(load_half(block0 + 2)) * a->s;
                        if (b + 1 < blocks) mins[r] += _cvtsh_ss(load_half(block1 + 2)) * a1->s;
                    }
                }
            }
            for (size_t r = 0; r < rows; r++) out[(r0 + r) * n + j] = _mm512_reduce_add_ps(acc[r]) + mins[r] + (bias ? bias[j] : 0);
        }
    }
}

static inline __attribute__((always_inline)) VNNI void matmul32_vnni(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                                                     size_t first, size_t end, const float *bias, float *out) {
    if (m >= GEMM_MIN_ROWS) {
        if (has_min(type)) gemm32_vnni(type, xa, m, k, w, n, first, end, bias, out);
        else gemm32_panels_vnni(type, xa, m, k, w, n, first, end, bias, out);
        return;
    }
    if (m > 1) {
        rows32_avx512(type, xa, m, k, w, n, first, end, bias, out);
        return;
    }
    STREAM32_BODY(DPBUSD)
}

/// One function per format (the switch makes `type` a constant in each inlined body).
#define DISPATCH32(KERNEL)                                                                  \
    switch (type) {                                                                         \
    case CL_BLOCK_Q8_0: KERNEL(CL_BLOCK_Q8_0, xa, m, k, w, n, first, end, bias, out); break; \
    case CL_BLOCK_Q4_0: KERNEL(CL_BLOCK_Q4_0, xa, m, k, w, n, first, end, bias, out); break; \
    case CL_BLOCK_Q4_1: KERNEL(CL_BLOCK_Q4_1, xa, m, k, w, n, first, end, bias, out); break; \
    case CL_BLOCK_Q5_0: KERNEL(CL_BLOCK_Q5_0, xa, m, k, w, n, first, end, bias, out); break; \
    case CL_BLOCK_Q5_1: KERNEL(CL_BLOCK_Q5_1, xa, m, k, w, n, first, end, bias, out); break; \
    }

static AVX2 void dispatch32_avx2(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                 size_t first, size_t end, const float *bias, float *out) {
    DISPATCH32(matmul32_avx2)
}

static VNNI void dispatch32_vnni(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                 size_t first, size_t end, const float *bias, float *out) {
    DISPATCH32(matmul32_vnni)
}

/// Q4_K against 256 activations for up to TILE_ROWS rows: Σ_j scale_j · (nibbles · q) in integers, the
/// mins through the activations' sums per 16.
static inline __attribute__((always_inline)) AVX2
void q4k_block_avx2(const uint8_t *block, const act256 *const a[TILE_ROWS], size_t rows, __m256 acc[TILE_ROWS]) {
    __m256 d = half8(block), dmin = half8(block + 2);
    // The eight 6-bit scales and mins, four to a 32-bit word (scale_min_k4 for all j at once):
    // j < 4 in the low 6 bits of bytes 0..3 and 4..7; j ≥ 4 from bytes 8..11's nibbles and the
    // top 2 bits of bytes 0..7.
    uint32_t words[3];
    memcpy(words, block + 4, 12);
    const uint32_t low6 = 0x3F3F3F3F, low4bits = 0x0F0F0F0F, top2 = 0x03030303;
    uint32_t scale_words[2] = {words[0] & low6, (words[2] & low4bits) | (((words[0] >> 6) & top2) << 4)};
    uint32_t min_words[2] = {words[1] & low6, ((words[2] >> 4) & low4bits) | (((words[1] >> 6) & top2) << 4)};
    uint8_t min[8];
    memcpy(min, min_words, 8);
    // Scale j as int16 in both 128-bit lanes; group g's low nibbles take scale 2g and its high
    // nibbles 2g + 1, each broadcast to all 16 lanes by one shuffle.
    __m256i scales16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)scale_words)));
    __m256i sums[TILE_ROWS];
    for (int r = 0; r < TILE_ROWS; r++) sums[r] = _mm256_setzero_si256();
    const __m256i low4 = _mm256_set1_epi8(0xF);
    for (int group = 0; group < 4; group++) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(block + 16 + 32 * group));
        __m256i lo = _mm256_and_si256(q, low4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        __m256i s_lo = _mm256_shuffle_epi8(scales16, _mm256_set1_epi16((short)(0x0100 * (4 * group + 1) + 4 * group)));
        __m256i s_hi = _mm256_shuffle_epi8(scales16, _mm256_set1_epi16((short)(0x0100 * (4 * group + 3) + 4 * group + 2)));
        for (size_t r = 0; r < rows; r++) {
            __m256i x_lo = _mm256_loadu_si256((const __m256i *)(a[r]->q + 64 * group));
            __m256i x_hi = _mm256_loadu_si256((const __m256i *)(a[r]->q + 64 * group + 32));
            __m256i part = _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(lo, x_lo), s_lo),
                                            _mm256_madd_epi16(_mm256_maddubs_epi16(hi, x_hi), s_hi));
            sums[r] = _mm256_add_epi32(sums[r], part);
        }
    }
    // Each sub-block's min against its two sums of 16 activations, in vector: min j at int16 lanes 2j, 2j + 1.
    __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)min), _mm_loadl_epi64((const __m128i *)min)));
    for (size_t r = 0; r < rows; r++) {
        __m256i mins = _mm256_madd_epi16(mins16, _mm256_loadu_si256((const __m256i *)a[r]->sums));
        acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(d, _mm256_set1_ps(a[r]->d)), _mm256_cvtepi32_ps(sums[r]), acc[r]);
        acc[r] = _mm256_fnmadd_ps(_mm256_mul_ps(dmin, _mm256_set1_ps(a[r]->d)), _mm256_cvtepi32_ps(mins), acc[r]);
    }
}

/// Q6_K against 256 activations for up to TILE_ROWS rows: the unsigned 6-bit quants times q, scaled per
/// 16 in integers; the offset of 32 through the activations' sums.
static inline __attribute__((always_inline)) AVX2
void q6k_block_avx2(const uint8_t *block, const act256 *const a[TILE_ROWS], size_t rows, __m256 acc[TILE_ROWS]) {
    float d = half1(block + 208);  // as a vector (half8), 10 % slower: one more register live per row
    const int8_t *scales = (const int8_t *)(block + 192);
    __m256i sums[TILE_ROWS];
    for (int r = 0; r < TILE_ROWS; r++) sums[r] = _mm256_setzero_si256();
    const __m256i low4 = _mm256_set1_epi8(0xF), three = _mm256_set1_epi8(3);
    for (int half128 = 0; half128 < 2; half128++) {
        const uint8_t *ql = block + 64 * half128, *qh = block + 128 + 32 * half128;
        const int8_t *sc = scales + 8 * half128;
        __m256i first = _mm256_loadu_si256((const __m256i *)ql), second = _mm256_loadu_si256((const __m256i *)(ql + 32));
        __m256i high = _mm256_loadu_si256((const __m256i *)qh);
        __m256i q[4] = {
            _mm256_or_si256(_mm256_and_si256(first, low4), _mm256_slli_epi16(_mm256_and_si256(high, three), 4)),
            _mm256_or_si256(_mm256_and_si256(second, low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2), three), 4)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(first, 4), low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 4), three), 4)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(second, 4), low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 6), three), 4)),
        };
        // This half's eight scales as int16 in both lanes; part p takes scale 2p in its low lane
        // (weights 0..15 of the part) and 2p + 1 in its high lane, one shuffle each.
        __m256i half_scales = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)sc)));
        for (int part = 0; part < 4; part++) {  // weights 128·half + 32·part ..: scales 2·part and 2·part + 1
            short low_pick = (short)(0x0100 * (4 * part + 1) + 4 * part), high_pick = (short)(0x0100 * (4 * part + 3) + 4 * part + 2);
            __m256i scale = _mm256_shuffle_epi8(half_scales, _mm256_setr_epi16(low_pick, low_pick, low_pick, low_pick, low_pick, low_pick, low_pick, low_pick,
                                                                                high_pick, high_pick, high_pick, high_pick, high_pick, high_pick, high_pick, high_pick));
            for (size_t r = 0; r < rows; r++) {
                __m256i x = _mm256_loadu_si256((const __m256i *)(a[r]->q + 128 * half128 + 32 * part));
                sums[r] = _mm256_add_epi32(sums[r], _mm256_madd_epi16(_mm256_maddubs_epi16(q[part], x), scale));
            }
        }
    }
    // The offset: 32 · Σ_s scale_s · (sum of sub-block s's activations), taken off in integers.
    __m256i scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)scales));
    for (size_t r = 0; r < rows; r++) {
        __m256i offsets = _mm256_madd_epi16(scales16, _mm256_loadu_si256((const __m256i *)a[r]->sums));
        sums[r] = _mm256_sub_epi32(sums[r], _mm256_slli_epi32(offsets, 5));
        acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d * a[r]->d), _mm256_cvtepi32_ps(sums[r]), acc[r]);
    }
}

/// 8 weight rows' 256-weight block of a K format, interleaved as panel8 is: quants unsigned (Q4_K's
/// 0..15, Q6_K's q + 32 in 0..63), an integer scale per 16 weights per row, and per row the factors of
/// what the activations' sums per 16 take off: w = D·sc·u − M·mm (Q4_K: D = d, M = dmin, mm its min
/// of the 32 weights; Q6_K: D = d, M = 32·d, mm = sc). mm lies in int16 pairs (sub-blocks 2t, 2t + 1)
/// for vpmaddwd against the activations' sums, which lie so too.
typedef struct { float D[8], M[8]; int32_t sc[16][8]; int16_t mm[8][8][2]; uint8_t q[64][32]; } panel8k;

static AVX2 void repack_panel_k(int type, const uint8_t *w, size_t row_bytes, size_t blocks, size_t rows, panel8k *panel) {
    size_t step = block_bytes(type);
    for (size_t b = 0; b < blocks; b++) {
        panel8k *p = panel + b;
        memset(p, 0, sizeof *p);
        for (size_t c = 0; c < rows; c++) {
            const uint8_t *block = w + c * row_bytes + b * step;
            uint8_t u[256];
            int scale[16], offset[16];
            if (type == CL_BLOCK_Q4_K) {
                p->D[c] = half_to_float(load_half(block));
                p->M[c] = half_to_float(load_half(block + 2));
                for (int j = 0; j < 8; j++) {
                    uint8_t sc, mn;
                    scale_min_k4(j, block + 4, &sc, &mn);
                    const uint8_t *qs = block + 16 + 32 * (j / 2);
                    for (int l = 0; l < 32; l++) u[32 * j + l] = j % 2 ? qs[l] >> 4 : qs[l] & 0xF;
                    scale[2 * j] = scale[2 * j + 1] = sc;
                    offset[2 * j] = offset[2 * j + 1] = mn;
                }
            } else {
                int8_t q[256];
                q6k_quants(block, q);
                for (int i = 0; i < 256; i++) u[i] = (uint8_t)(q[i] + 32);
                p->D[c] = half_to_float(load_half(block + 208));
                p->M[c] = 32 * p->D[c];
                for (int sub = 0; sub < 16; sub++) scale[sub] = offset[sub] = ((const int8_t *)(block + 192))[sub];
            }
            for (int sub = 0; sub < 16; sub++) p->sc[sub][c] = scale[sub];
            for (int t = 0; t < 8; t++) {
                p->mm[t][c][0] = (int16_t)offset[2 * t];
                p->mm[t][c][1] = (int16_t)offset[2 * t + 1];
            }
            for (int g = 0; g < 64; g++) memcpy(&p->q[g][4 * c], u + 4 * g, 4);
        }
    }
}

/// A K block's integer sums (per row, per lane: Σ scale · quants · x) into the float sums, with the
/// mins or offsets taken off through the activations' sums per 16.
static inline __attribute__((always_inline)) AVX2
void add_k_block(const panel8k *p, const act256 *x, size_t b, size_t blocks, int rows, const __m256i *scaled, __m256 *acc) {
    __m256i offsets[8];
    for (int r = 0; r < rows; r++) offsets[r] = _mm256_setzero_si256();
    for (int t = 0; t < 8; t++) {
        __m256i mm = _mm256_loadu_si256((const __m256i *)p->mm[t]);
        for (int r = 0; r < rows; r++) {
            int32_t pair;
            memcpy(&pair, x[r * blocks + b].sums + 2 * t, 4);
            offsets[r] = _mm256_add_epi32(offsets[r], _mm256_madd_epi16(mm, _mm256_set1_epi32(pair)));
        }
    }
    __m256 d = _mm256_loadu_ps(p->D), mins = _mm256_loadu_ps(p->M);
    for (int r = 0; r < rows; r++) {
        __m256 xd = _mm256_broadcast_ss(&x[r * blocks + b].d);
        acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(d, xd), _mm256_cvtepi32_ps(scaled[r]), acc[r]);
        acc[r] = _mm256_fnmadd_ps(_mm256_mul_ps(mins, xd), _mm256_cvtepi32_ps(offsets[r]), acc[r]);
    }
}

/// RM rows of activations (256 to a block) against one K panel: out[r][c] for c < cols.
static inline __attribute__((always_inline)) VNNI
void panel_rows_k(const act256 *x, size_t blocks, const panel8k *panel, const int RM, float *out, size_t n, size_t cols, const float *bias) {
    __m256 acc[8];
    for (int r = 0; r < RM; r++) acc[r] = _mm256_setzero_ps();
    for (size_t b = 0; b < blocks; b++) {
        const panel8k *p = panel + b;
        __m256i scaled[8];
        for (int r = 0; r < RM; r++) scaled[r] = _mm256_setzero_si256();
        for (int sub = 0; sub < 16; sub++) {
            __m256i dots[8];
            for (int r = 0; r < RM; r++) dots[r] = _mm256_setzero_si256();
            for (int g = 0; g < 4; g++) {
                __m256i wg = _mm256_loadu_si256((const __m256i *)p->q[4 * sub + g]);
                for (int r = 0; r < RM; r++) {
                    int32_t bytes;
                    memcpy(&bytes, x[r * blocks + b].q + 16 * sub + 4 * g, 4);
                    dots[r] = _mm256_dpbusd_epi32(dots[r], wg, _mm256_set1_epi32(bytes));
                }
            }
            __m256i scale = _mm256_loadu_si256((const __m256i *)p->sc[sub]);
            for (int r = 0; r < RM; r++) scaled[r] = _mm256_add_epi32(scaled[r], _mm256_mullo_epi32(dots[r], scale));
        }
        add_k_block(p, x, b, blocks, RM, scaled, acc);
    }
    store_panel_rows(acc, RM, out, n, cols, bias);
}

/// panel_rows_k on AVX2: maddubs of the unsigned quants with x, two groups summed in 16 bits
/// (Q6_K's largest: 4 · 63 · 127 = 32004), then vpmaddwd by each lane's scale, which makes 32 bits.
static inline __attribute__((always_inline)) AVX2
void panel_rows_k_avx2(const act256 *x, size_t blocks, const panel8k *panel, const int RM, float *out, size_t n, size_t cols, const float *bias) {
    __m256 acc[4];
    for (int r = 0; r < RM; r++) acc[r] = _mm256_setzero_ps();
    const __m256i low16 = _mm256_set1_epi32(0xFFFF);
    for (size_t b = 0; b < blocks; b++) {
        const panel8k *p = panel + b;
        __m256i scaled[4];
        for (int r = 0; r < RM; r++) scaled[r] = _mm256_setzero_si256();
        for (int sub = 0; sub < 16; sub++) {
            // Each lane's scale in both of its 16-bit halves, for vpmaddwd.
            __m256i scale = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)p->sc[sub]), low16);
            scale = _mm256_or_si256(scale, _mm256_slli_epi32(scale, 16));
            for (int half = 0; half < 2; half++) {
                __m256i w0 = _mm256_loadu_si256((const __m256i *)p->q[4 * sub + 2 * half]);
                __m256i w1 = _mm256_loadu_si256((const __m256i *)p->q[4 * sub + 2 * half + 1]);
                for (int r = 0; r < RM; r++) {
                    int32_t b0, b1;
                    memcpy(&b0, x[r * blocks + b].q + 16 * sub + 8 * half, 4);
                    memcpy(&b1, x[r * blocks + b].q + 16 * sub + 8 * half + 4, 4);
                    __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(w0, _mm256_set1_epi32(b0)), _mm256_maddubs_epi16(w1, _mm256_set1_epi32(b1)));
                    scaled[r] = _mm256_add_epi32(scaled[r], _mm256_madd_epi16(pairs, scale));
                }
            }
        }
        add_k_block(p, x, b, blocks, RM, scaled, acc);
    }
    store_panel_rows(acc, RM, out, n, cols, bias);
}

/// The K formats from GEMM_MIN_ROWS rows, as GEMM32_PANELS (the activations are the signed
/// operand here: no unsigned copy).
#define GEMM256_PANELS(NAME, ATTRIBUTES, KERNEL, TILE_ROWS)                                                    \
static ATTRIBUTES void NAME(int type, const act256 *xa, size_t m, size_t k, const void *w, size_t n,          \
                            size_t first, size_t end, const float *bias, float *out) {                        \
    size_t blocks = k / 256, row_bytes = blocks * block_bytes(type), panels = (end - first + 7) / 8;          \
    panel8k *panel = aligned_alloc(64, panels * blocks * sizeof(panel8k));                                     \
    for (size_t p = 0; p < panels; p++) {                                                                      \
        size_t j = first + 8 * p, rows = end - j < 8 ? end - j : 8;                                            \
        repack_panel_k(type, (const uint8_t *)w + j * row_bytes, row_bytes, blocks, rows, panel + p * blocks); \
    }                                                                                                          \
    for (size_t r0 = 0; r0 < m; r0 += PANEL_ROW_CHUNK) {                                                       \
        size_t chunk = m - r0 < PANEL_ROW_CHUNK ? m - r0 : PANEL_ROW_CHUNK;                                    \
        const act256 *x = xa + r0 * blocks;                                                                    \
        SWEEP_PANELS(KERNEL, x, TILE_ROWS)                                                                     \
    }                                                                                                          \
    free(panel);                                                                                               \
}

GEMM256_PANELS(gemm256_panels_vnni, VNNI, panel_rows_k, PANEL_TILE_ROWS)
GEMM256_PANELS(gemm256_panels_avx2, AVX2, panel_rows_k_avx2, 4)

static AVX2 void matmul256_avx2(int type, const act256 *xa, size_t m, size_t k, const void *w, size_t n,
                                size_t first, size_t end, const float *bias, float *out) {
    size_t blocks = k / 256, step = block_bytes(type);
    size_t tiles = (m + TILE_ROWS - 1) / TILE_ROWS;
    for (size_t tile = 0; tile < tiles; tile++) {  // tiles outside, as in matmul32_avx2
        TILE_BOUNDS(m, tiles, tile, r0, rows);
        for (size_t j = first; j < end; j++) {
            const uint8_t *row = (const uint8_t *)w + j * blocks * step;
            __m256 acc[TILE_ROWS];
            for (int r = 0; r < TILE_ROWS; r++) acc[r] = _mm256_setzero_ps();
            for (size_t b = 0; b < blocks; b++) {
                const act256 *a[TILE_ROWS];
                for (size_t r = 0; r < rows; r++) a[r] = xa + (r0 + r) * blocks + b;
                for (size_t line = 0; line < step; line += 64) _mm_prefetch((const char *)row + b * step + line + PREFETCH_BYTES, _MM_HINT_T0);
                const uint8_t *block = row + b * step;
                if (type == CL_BLOCK_Q4_K) FOR_EACH_ROW_COUNT(q4k_block_avx2(block, a, tile_rows, acc))
                else FOR_EACH_ROW_COUNT(q6k_block_avx2(block, a, tile_rows, acc))
            }
            for (size_t r = 0; r < rows; r++) out[(r0 + r) * n + j] = sum8(acc[r]) + (bias ? bias[j] : 0);
        }
    }
}
#endif

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
    if (path == CL_PATH_VNNI && !is_k_format(type)) {
        dispatch32_vnni(type, xq, m, k, w, n, first, end, bias, out);
        return;
    }
    if (path == CL_PATH_VNNI && m >= GEMM_MIN_ROWS) {
        gemm256_panels_vnni(type, xq, m, k, w, n, first, end, bias, out);
        return;
    }
    if (path != CL_PATH_PORTABLE) {  // the K formats' AVX2 code serves the VNNI path too
        if (is_k_format(type) && m >= GEMM_MIN_ROWS) gemm256_panels_avx2(type, xq, m, k, w, n, first, end, bias, out);
        else if (is_k_format(type)) matmul256_avx2(type, xq, m, k, w, n, first, end, bias, out);
        else dispatch32_avx2(type, xq, m, k, w, n, first, end, bias, out);
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
