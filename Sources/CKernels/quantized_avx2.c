// The quantized products on AVX2: integer dot products by maddubs (quantized_kernels.h).
#if defined(__x86_64__)
#include "quantized_x86.h"

/// quantize_block in vectors (its rounding, to nearest even, is lrintf's): lrintf called per value
/// took 2.8 % of sampling 20 sequences of the 1.5B shape at Q8_0.
INTERNAL AVX2 float quantize_block_avx2(const float *x, int size, int8_t *q) {
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
#define NO_PRODUCT(acc, u, s) (acc)
GEMM_TILE(gemm_tile_avx2, AVX2, 0, NO_PRODUCT)

static inline __attribute__((always_inline)) AVX2 void gemm32_avx2(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                                                    size_t first, size_t end, const float *bias, float *out) {
    GEMM_BODY(gemm_tile_avx2, 4, 2)
}

AVX2 void repack_panel(int type, const uint8_t *w, size_t row_bytes, size_t blocks, size_t rows, panel8 *panel) {
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

static AVX2 void dispatch32_avx2(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                 size_t first, size_t end, const float *bias, float *out) {
    DISPATCH32(matmul32_avx2)
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

AVX2 void repack_panel_k(int type, const uint8_t *w, size_t row_bytes, size_t blocks, size_t rows, panel8k *panel) {
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

INTERNAL AVX2 void quantized_matmul_avx2(int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                                         size_t first, size_t end, const float *bias, float *out) {
    if (is_k_format(type) && m >= GEMM_MIN_ROWS) gemm256_panels_avx2(type, xq, m, k, w, n, first, end, bias, out);
    else if (is_k_format(type)) matmul256_avx2(type, xq, m, k, w, n, first, end, bias, out);
    else dispatch32_avx2(type, xq, m, k, w, n, first, end, bias, out);
}
#endif
