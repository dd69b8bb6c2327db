#ifndef CODELOOP_BLOCK_MATMUL_H
#define CODELOOP_BLOCK_MATMUL_H

#include <stddef.h>

/// Weight formats used in place, as GGUF files store them (ggml's block layouts, one row of k
/// weights after another): widened to float in registers, multiplied with float activations.
enum {
    CL_BLOCK_F16 = 1,   // IEEE half per weight
    CL_BLOCK_Q4_0 = 2,  // 32 weights: half scale d, 16 bytes of nibbles; w = d · (q − 8)
    CL_BLOCK_Q4_1 = 3,  // 32 weights: half d, half m, 16 bytes of nibbles; w = d · q + m
    CL_BLOCK_Q5_0 = 6,  // 32 weights: half d, 32 fifth bits, 16 bytes of nibbles; w = d · (q − 16)
    CL_BLOCK_Q5_1 = 7,  // 32 weights: half d, half m, 32 fifth bits, 16 bytes of nibbles; w = d · q + m
    CL_BLOCK_Q8_0 = 8,  // 32 weights: half scale d, 32 int8; w = d · q
    CL_BLOCK_Q4_K = 12, // 256 weights: half d, half dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
    CL_BLOCK_Q6_K = 14, // 256 weights: 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales, half d
};

/// Weights per block of a format (32, or 256 for the K formats).
size_t cl_block_size(int type);

/// Bytes of one row of k weights (k a multiple of the block size).
size_t cl_block_row_bytes(int type, size_t k);

/// With float activations (the path F16 weights take; quantized_matmul.h has the integer one):
/// out[r][j] = Σ_i x[r][i] · W[j][i] (+ bias[j]) for rows r < m and outputs first ≤ j < end.
/// x is (m × k), out (m × n) with row stride n; W's row j starts at w + j · row_bytes.
void cl_block_matmul(int type, const float *x, size_t m, size_t k, const void *w, size_t n,
                     size_t first, size_t end, const float *bias, float *out);

/// The same on the portable code whatever the machine, for the tests.
void cl_block_matmul_portable(int type, const float *x, size_t m, size_t k, const void *w, size_t n,
                              size_t first, size_t end, const float *bias, float *out);

/// Row j of W widened to k floats (a tied embedding's lookup).
void cl_block_dequantize_row(int type, const void *w, size_t k, size_t j, float *out);

#endif
