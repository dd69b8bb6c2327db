// The quantized products on AVX-512 VNNI: integer dot products by vpdpbusd, in 256-bit vectors
// where Zen 4's two 256-bit halves made 512-bit ones slow (quantized_kernels.h).
#if defined(__x86_64__)
#include "quantized_x86.h"

#define DPBUSD256(acc, u, s) _mm256_dpbusd_epi32(acc, u, s)
GEMM_TILE(gemm_tile_vnni, VNNI, 1, DPBUSD256)

static inline __attribute__((always_inline)) VNNI void gemm32_vnni(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                                                    size_t first, size_t end, const float *bias, float *out) {
    GEMM_BODY(gemm_tile_vnni, 4, 3)
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


GEMM32_PANELS(gemm32_panels_vnni, VNNI, panel_rows, PANEL_TILE_ROWS, 1)

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

static VNNI void dispatch32_vnni(int type, const act32 *xa, size_t m, size_t k, const void *w, size_t n,
                                 size_t first, size_t end, const float *bias, float *out) {
    DISPATCH32(matmul32_vnni)
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

GEMM256_PANELS(gemm256_panels_vnni, VNNI, panel_rows_k, PANEL_TILE_ROWS)

INTERNAL VNNI void quantized_matmul_vnni(int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                                         size_t first, size_t end, const float *bias, float *out) {
    if (!is_k_format(type)) dispatch32_vnni(type, xq, m, k, w, n, first, end, bias, out);
    else if (m >= GEMM_MIN_ROWS) gemm256_panels_vnni(type, xq, m, k, w, n, first, end, bias, out);
    else quantized_matmul_avx2(type, xq, m, k, w, n, first, end, bias, out);  // few rows of the K formats: AVX2's code
}
#endif
