#ifndef CODELOOP_BLOCK_MATMUL_H
#define CODELOOP_BLOCK_MATMUL_H

#include <stddef.h>
#include "ggml_types.h"

/// Weights the kernels widen at once for a format in place (ggml_types.h): a block, or 32 for F16.
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
