// Products of a few activation rows with a pre-packed weight matrix (see packed_matmul.h): a
// register-tiled kernel of up to 6 rows × 16 outputs, with an AVX2/FMA version chosen at run
// time and a portable one the compiler vectorises for any other machine.
#include "packed_matmul.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define MAX_TILE_ROWS 6

size_t cl_panel_count(size_t n) { return (n + CL_PANEL_WIDTH - 1) / CL_PANEL_WIDTH; }

size_t cl_packed_size(size_t n, size_t k) { return cl_panel_count(n) * CL_PANEL_WIDTH * k; }

/// Real outputs in panel p: 16, or fewer in the last panel.
static size_t panel_width(size_t n, size_t p) {
    size_t first = p * CL_PANEL_WIDTH;
    return n - first < CL_PANEL_WIDTH ? n - first : CL_PANEL_WIDTH;
}

/// Zeroes the last panel when it is narrower, so that its padding columns add nothing; the
/// packing functions write every other float.
static void zero_padding(size_t n, size_t k, float *packed) {
    if (n % CL_PANEL_WIDTH) memset(packed + (cl_panel_count(n) - 1) * k * CL_PANEL_WIDTH, 0, k * CL_PANEL_WIDTH * sizeof(float));
}

float *cl_packed_allocate(size_t count) {
    const size_t huge = (size_t)2 << 20;
    size_t bytes = (count * sizeof(float) + huge - 1) / huge * huge;
    float *storage = aligned_alloc(huge, bytes ? bytes : huge);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (storage) madvise(storage, bytes, MADV_HUGEPAGE);  // advice only: a refusal changes nothing
#endif
    return storage;
}

void cl_packed_free(float *storage) { free(storage); }

void cl_pack_out_by_in(const float *weight, size_t n, size_t k, float *packed) {
    zero_padding(n, k, packed);
    for (size_t p = 0; p < cl_panel_count(n); p++) {
        float *panel = packed + p * k * CL_PANEL_WIDTH;
        for (size_t j = 0; j < panel_width(n, p); j++) {
            const float *row = weight + (p * CL_PANEL_WIDTH + j) * k;
            for (size_t i = 0; i < k; i++) panel[i * CL_PANEL_WIDTH + j] = row[i];
        }
    }
}

void cl_pack_in_by_out(const float *weight, size_t n, size_t k, float *packed) {
    zero_padding(n, k, packed);
    for (size_t p = 0; p < cl_panel_count(n); p++) {
        float *panel = packed + p * k * CL_PANEL_WIDTH;
        for (size_t i = 0; i < k; i++) memcpy(panel + i * CL_PANEL_WIDTH, weight + i * n + p * CL_PANEL_WIDTH, panel_width(n, p) * sizeof(float));
    }
}

// A tile kernel computes rows × 16 sums over `length` inputs: c[r][j] (+)= Σ_i x[r·ldx + i] ·
// panel[i·16 + j], adding to what c holds when `accumulate`, c's rows ldc apart.
typedef void (*tile_kernel)(const float *x, size_t ldx, size_t length, const float *panel, float *c, size_t ldc, int accumulate);

static inline __attribute__((always_inline))
void tile_portable(int rows, const float *x, size_t ldx, size_t length, const float *panel, float *c, size_t ldc, int accumulate) {
    float acc[MAX_TILE_ROWS][CL_PANEL_WIDTH];
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < CL_PANEL_WIDTH; j++) acc[r][j] = accumulate ? c[r * ldc + j] : 0;
    }
    for (size_t i = 0; i < length; i++) {
        const float *w = panel + i * CL_PANEL_WIDTH;
        for (int r = 0; r < rows; r++) {
            float v = x[r * ldx + i];
            for (int j = 0; j < CL_PANEL_WIDTH; j++) acc[r][j] += v * w[j];
        }
    }
    for (int r = 0; r < rows; r++) memcpy(c + r * ldc, acc[r], sizeof(acc[r]));
}

#define PORTABLE_TILE(R) \
    static void tile_portable_##R(const float *x, size_t ldx, size_t length, const float *panel, float *c, size_t ldc, int accumulate) { \
        tile_portable(R, x, ldx, length, panel, c, ldc, accumulate); }
PORTABLE_TILE(1) PORTABLE_TILE(2) PORTABLE_TILE(3) PORTABLE_TILE(4) PORTABLE_TILE(5) PORTABLE_TILE(6)

static const tile_kernel portable_kernels[MAX_TILE_ROWS + 1] = {
    0, tile_portable_1, tile_portable_2, tile_portable_3, tile_portable_4, tile_portable_5, tile_portable_6};

#if defined(__x86_64__)
#include <immintrin.h>

// Panel rows fetched ahead of use: the first tile of a panel reads it from memory.
#define PREFETCH_AHEAD 64

// rows × 16 sums in 2·rows ymm registers: each input step loads the panel's 16 weights once
// and broadcasts one activation per row.
static inline __attribute__((always_inline, target("avx2,fma")))
void tile_avx2(int rows, const float *x, size_t ldx, size_t length, const float *panel, float *c, size_t ldc, int accumulate) {
    __m256 lo[MAX_TILE_ROWS], hi[MAX_TILE_ROWS];
    for (int r = 0; r < rows; r++) {
        lo[r] = accumulate ? _mm256_loadu_ps(c + r * ldc) : _mm256_setzero_ps();
        hi[r] = accumulate ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_setzero_ps();
    }
    for (size_t i = 0; i < length; i++) {
        const float *w = panel + i * CL_PANEL_WIDTH;
        _mm_prefetch((const char *)(w + PREFETCH_AHEAD * CL_PANEL_WIDTH), _MM_HINT_T0);
        __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
        for (int r = 0; r < rows; r++) {
            __m256 v = _mm256_broadcast_ss(x + r * ldx + i);
            lo[r] = _mm256_fmadd_ps(v, w0, lo[r]);
            hi[r] = _mm256_fmadd_ps(v, w1, hi[r]);
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm256_storeu_ps(c + r * ldc, lo[r]);
        _mm256_storeu_ps(c + r * ldc + 8, hi[r]);
    }
}

// One row (batch-1 decoding) is a stream through the weights: four input steps in flight, so
// that the additions are not one chain waiting on the FMA latency. The hardware prefetcher
// follows this stream alone; prefetching by hand here measured slower.
static __attribute__((target("avx2,fma")))
void tile_avx2_1(const float *x, size_t ldx, size_t length, const float *panel, float *c, size_t ldc, int accumulate) {
    (void)ldx; (void)ldc;
    __m256 lo[4], hi[4];
    for (int u = 0; u < 4; u++) lo[u] = hi[u] = _mm256_setzero_ps();
    if (accumulate) {
        lo[0] = _mm256_loadu_ps(c);
        hi[0] = _mm256_loadu_ps(c + 8);
    }
    size_t i = 0;
    for (; i + 4 <= length; i += 4) {
        for (int u = 0; u < 4; u++) {
            const float *w = panel + (i + u) * CL_PANEL_WIDTH;
            __m256 v = _mm256_broadcast_ss(x + i + u);
            lo[u] = _mm256_fmadd_ps(v, _mm256_loadu_ps(w), lo[u]);
            hi[u] = _mm256_fmadd_ps(v, _mm256_loadu_ps(w + 8), hi[u]);
        }
    }
    for (; i < length; i++) {
        const float *w = panel + i * CL_PANEL_WIDTH;
        __m256 v = _mm256_broadcast_ss(x + i);
        lo[0] = _mm256_fmadd_ps(v, _mm256_loadu_ps(w), lo[0]);
        hi[0] = _mm256_fmadd_ps(v, _mm256_loadu_ps(w + 8), hi[0]);
    }
    _mm256_storeu_ps(c, _mm256_add_ps(_mm256_add_ps(lo[0], lo[1]), _mm256_add_ps(lo[2], lo[3])));
    _mm256_storeu_ps(c + 8, _mm256_add_ps(_mm256_add_ps(hi[0], hi[1]), _mm256_add_ps(hi[2], hi[3])));
}

#define AVX2_TILE(R) \
    static __attribute__((target("avx2,fma"))) \
    void tile_avx2_##R(const float *x, size_t ldx, size_t length, const float *panel, float *c, size_t ldc, int accumulate) { \
        tile_avx2(R, x, ldx, length, panel, c, ldc, accumulate); }
AVX2_TILE(2) AVX2_TILE(3) AVX2_TILE(4) AVX2_TILE(5) AVX2_TILE(6)

static const tile_kernel avx2_kernels[MAX_TILE_ROWS + 1] = {
    0, tile_avx2_1, tile_avx2_2, tile_avx2_3, tile_avx2_4, tile_avx2_5, tile_avx2_6};

static const tile_kernel *choose_kernels(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? avx2_kernels : portable_kernels;
}
#else
static const tile_kernel *choose_kernels(void) { return portable_kernels; }
#endif

// Inputs per block: a block of the panel (8 KiB) and of 20 rows of x (10 KiB) stay in the L1
// cache while every tile of rows passes over them.
#define BLOCK_INPUTS 128

static void packed_matmul(const tile_kernel *kernels, const float *x, size_t m, size_t k, const float *packed, size_t n,
                          size_t first_panel, size_t end_panel, const float *bias, float *out) {
    // Rows split into the fewest tiles of at most 6, as even as possible (20 rows: 5+5+5+5),
    // so that every tile keeps enough independent sums in flight.
    size_t tiles = (m + MAX_TILE_ROWS - 1) / MAX_TILE_ROWS;
    size_t block = tiles == 1 ? k : BLOCK_INPUTS;
    float partial[MAX_TILE_ROWS * CL_PANEL_WIDTH];
    for (size_t p = first_panel; p < end_panel; p++) {
        const float *panel = packed + p * k * CL_PANEL_WIDTH;
        size_t first = p * CL_PANEL_WIDTH, width = panel_width(n, p);
        for (size_t start = 0; start < k; start += block) {
            size_t length = k - start < block ? k - start : block;
            size_t row = 0;
            for (size_t t = 0; t < tiles; t++) {
                int rows = (int)(m / tiles + (t < m % tiles ? 1 : 0));
                const float *xs = x + row * k + start, *ws = panel + start * CL_PANEL_WIDTH;
                if (width == CL_PANEL_WIDTH) {
                    kernels[rows](xs, k, length, ws, out + row * n + first, n, start > 0);
                } else {  // the last, narrower panel: sums kept aside, only its real outputs written
                    kernels[rows](xs, k, length, ws, partial, CL_PANEL_WIDTH, 0);
                    for (int r = 0; r < rows; r++) {
                        for (size_t j = 0; j < width; j++) out[(row + r) * n + first + j] = (start > 0 ? out[(row + r) * n + first + j] : 0) + partial[r * CL_PANEL_WIDTH + j];
                    }
                }
                row += (size_t)rows;
            }
        }
        if (bias) {
            for (size_t r = 0; r < m; r++) {
                for (size_t j = 0; j < width; j++) out[r * n + first + j] += bias[first + j];
            }
        }
    }
}

void cl_packed_matmul(const float *x, size_t m, size_t k, const float *packed, size_t n,
                      size_t first_panel, size_t end_panel, const float *bias, float *out) {
    static _Atomic(const tile_kernel *) chosen = 0;
    const tile_kernel *kernels = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (!kernels) {  // the same answer whichever thread asks first
        kernels = choose_kernels();
        atomic_store_explicit(&chosen, kernels, memory_order_relaxed);
    }
    packed_matmul(kernels, x, m, k, packed, n, first_panel, end_panel, bias, out);
}

void cl_packed_matmul_portable(const float *x, size_t m, size_t k, const float *packed, size_t n,
                               size_t first_panel, size_t end_panel, const float *bias, float *out) {
    packed_matmul(portable_kernels, x, m, k, packed, n, first_panel, end_panel, bias, out);
}
