// The quantized products' kernels by CPU family — quantized_portable.c, quantized_avx2.c (maddubs)
// and quantized_avx512.c (AVX-512 VNNI's vpdpbusd) — behind quantized_matmul.c's one dispatch.
#ifndef CODELOOP_QUANTIZED_KERNELS_H
#define CODELOOP_QUANTIZED_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include "block_formats.h"

/// Shared between the kernels' files, not exported from the library.
#define INTERNAL __attribute__((visibility("hidden")))

/// 32 activations x ≈ d · q; s = d · Σq, for the formats whose weights have a min.
typedef struct { float d, s; int8_t q[32]; } act32;
/// 256 activations x ≈ d · q, with the sums of q per 16 (the K formats' mins and offsets).
typedef struct { float d; int16_t sums[16]; int8_t q[256]; } act256;

static inline int is_k_format(int type) { return type == CL_BLOCK_Q4_K || type == CL_BLOCK_Q6_K; }

/// Rows from which the 32-weight formats take the register-tiled kernels below. Fewer (sampling
/// n sequences) keep the tile kernels above, whose weights stream once per 10 rows.
#define GEMM_MIN_ROWS 32

/// out[r][j] for rows r < m and outputs first ≤ j < end: quantized_matmul.h's product, on each family's code.
INTERNAL void quantized_matmul_portable(int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                                        size_t first, size_t end, const float *bias, float *out);

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

INTERNAL AVX2 void quantized_matmul_avx2(int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                                         size_t first, size_t end, const float *bias, float *out);
INTERNAL VNNI void quantized_matmul_vnni(int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                                         size_t first, size_t end, const float *bias, float *out);

/// Symmetric 8-bit quantization of `size` values (a multiple of 32) in vectors.
INTERNAL AVX2 float quantize_block_avx2(const float *x, int size, int8_t *q);
#endif

#endif
