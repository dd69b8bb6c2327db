// What the AVX2 and the AVX-512 kernels share: unpacking blocks into vectors, and the bodies of
// the kernels that both instruction sets compile, each for its own (quantized_kernels.h).
#ifndef CODELOOP_QUANTIZED_X86_H
#define CODELOOP_QUANTIZED_X86_H

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>
#include "quantized_kernels.h"

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
/// Weight rows taken together by the VNNI prompt kernel, interleaved (llama.cpp's repacked
/// Q4_0x8 layout, built here per call): byte group g (weights 4g..4g+3) of the 8 rows lies in
/// one 32-bit lane each, so that one vpdpbusd against 4 activation bytes broadcast to all lanes
/// advances 8 dot products at once, and they end summed per lane, with no horizontal sums.
typedef struct { float d[8]; int32_t offset[8]; int8_t q[256]; } panel8;
/// The panel of weight rows w[0..<rows] (rows ≤ 8; the rest zero), block by block: quants signed,
/// offset −128·Σq (the activations come unsigned, x + 128).
INTERNAL AVX2 void repack_panel(int type, const uint8_t *w, size_t row_bytes, size_t blocks, size_t rows, panel8 *panel);

/// A panel kernel's sums, 8 outputs a row, into out (row stride n), the first `cols` of them.
static inline __attribute__((always_inline)) AVX2 void store_panel_rows(const __m256 *acc, int rows, float *out, size_t n, size_t cols, const float *bias) {
    for (int r = 0; r < rows; r++) {
        float lanes[8];
        _mm256_storeu_ps(lanes, acc[r]);
        for (size_t c = 0; c < cols; c++) out[r * n + c] = lanes[c] + (bias ? bias[c] : 0);
    }
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

/// One function per format (the switch makes `type` a constant in each inlined body).
#define DISPATCH32(KERNEL)                                                                  \
    switch (type) {                                                                         \
    case CL_BLOCK_Q8_0: KERNEL(CL_BLOCK_Q8_0, xa, m, k, w, n, first, end, bias, out); break; \
    case CL_BLOCK_Q4_0: KERNEL(CL_BLOCK_Q4_0, xa, m, k, w, n, first, end, bias, out); break; \
    case CL_BLOCK_Q4_1: KERNEL(CL_BLOCK_Q4_1, xa, m, k, w, n, first, end, bias, out); break; \
    case CL_BLOCK_Q5_0: KERNEL(CL_BLOCK_Q5_0, xa, m, k, w, n, first, end, bias, out); break; \
    case CL_BLOCK_Q5_1: KERNEL(CL_BLOCK_Q5_1, xa, m, k, w, n, first, end, bias, out); break; \
    }

/// 8 weight rows' 256-weight block of a K format, interleaved as panel8 is: quants unsigned (Q4_K's
/// 0..15, Q6_K's q + 32 in 0..63), an integer scale per 16 weights per row, and per row the factors of
/// what the activations' sums per 16 take off: w = D·sc·u − M·mm (Q4_K: D = d, M = dmin, mm its min
/// of the 32 weights; Q6_K: D = d, M = 32·d, mm = sc). mm lies in int16 pairs (sub-blocks 2t, 2t + 1)
/// for vpmaddwd against the activations' sums, which lie so too.
typedef struct { float D[8], M[8]; int32_t sc[16][8]; int16_t mm[8][8][2]; uint8_t q[64][32]; } panel8k;
INTERNAL AVX2 void repack_panel_k(int type, const uint8_t *w, size_t row_bytes, size_t blocks, size_t rows, panel8k *panel);

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

#endif
