#ifndef CODELOOP_QUANTIZED_MATMUL_H
#define CODELOOP_QUANTIZED_MATMUL_H

#include <stddef.h>

/// Products of ggml's quantized block formats (the CL_BLOCK_Q* types of ggml_types.h) with
/// activations quantized to 8 bits once per row, multiplied in integers — llama.cpp's way, which
/// reads each weight at its stored size and does several times less work per weight than widening
/// it to float. The activations go in blocks of 32 (for the 32-weight formats) or 256 (for the K
/// formats), each with one float scale; the result is the product of the dequantized weights with
/// the dequantized activations.

/// Bytes that m rows of k activations take once quantized for weights of `type`.
size_t cl_quantized_activation_bytes(int type, size_t m, size_t k);

/// x (m × k floats) quantized into `out` (cl_quantized_activation_bytes(type, m, k) bytes).
void cl_quantize_activations(int type, const float *x, size_t m, size_t k, void *out);

/// out[r][j] = Σ_i x[r][i] · W[j][i] (+ bias[j]) for rows r < m and outputs first ≤ j < end, x
/// given as cl_quantize_activations left it; out has row stride n.
void cl_quantized_matmul(int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                         size_t first, size_t end, const float *bias, float *out);

/// The code paths: plain C (the reference the others are tested against), AVX2 (maddubs), and
/// AVX-512 VNNI on 256-bit vectors (vpdpbusd) for the 32-weight formats.
enum { CL_PATH_PORTABLE = 0, CL_PATH_AVX2 = 1, CL_PATH_VNNI = 2 };

/// The paths this machine can take, one bit each (1 << CL_PATH_…).
int cl_quantized_paths(void);

/// cl_quantized_matmul on a given path (one of cl_quantized_paths()); cl_quantized_matmul takes the best.
void cl_quantized_matmul_on(int path, int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                            size_t first, size_t end, const float *bias, float *out);

#endif
