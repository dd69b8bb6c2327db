#ifndef CODELOOP_HALF_ATTENTION_H
#define CODELOOP_HALF_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

/// Attention's two reads of a key/value cache held as IEEE half (llama.cpp's default cache type):
/// half the memory of floats, widened to float in registers as they are read.

/// dst[i] = src[i] rounded to the nearest half (ties to even; beyond the range, infinity).
void cl_half_store(const float *src, uint16_t *dst, size_t n);

/// dst[i] = src[i] widened (exact). Not on a hot path: a prompt cache's shifted keys.
void cl_half_load(const uint16_t *src, float *dst, size_t n);

/// scores[j] = scale · Σ_i q[i] · keys[j·d + i] for j < count.
void cl_half_scores(const float *q, const uint16_t *keys, size_t d, size_t count, float scale, float *scores);

/// out[i] += Σ_j p[j] · values[j·d + i] for i < d.
void cl_half_accumulate(const float *p, const uint16_t *values, size_t d, size_t count, float *out);

/// A prompt's attention in matrix form, as training computes it: the `rows` consecutive positions
/// first..first+rows-1 of one sequence, for the `group` query heads that share one kv head. In tiles
/// of query rows, each block of keys (values) is widened once for the tile's rows and heads, the
/// scores of a tile end at its last row's position (the masked half is never computed), each row
/// sees the positions up to its own (and within `window`, when not 0).
/// q: row r's head g at q + r·q_stride + g·d; out likewise with out_stride; keys and values: the kv
/// head's [position][d] halves. scratch: cl_half_attention_scratch(d, first + rows, group) floats.
void cl_half_attention_prompt(const float *q, size_t q_stride, size_t group, const uint16_t *keys, const uint16_t *values,
                              size_t d, size_t first, size_t rows, size_t window, float scale, float *out, size_t out_stride,
                              float *scratch);
size_t cl_half_attention_scratch(size_t d, size_t positions, size_t group);

/// The two reads of a cache held as floats (the default for a model from an HF directory).
void cl_float_scores(const float *q, const float *keys, size_t d, size_t count, float scale, float *scores);
void cl_float_accumulate(const float *p, const float *values, size_t d, size_t count, float *out);

/// The same three on the portable code whatever the machine, for the tests.
void cl_half_store_portable(const float *src, uint16_t *dst, size_t n);
void cl_half_scores_portable(const float *q, const uint16_t *keys, size_t d, size_t count, float scale, float *scores);
void cl_half_accumulate_portable(const float *p, const uint16_t *values, size_t d, size_t count, float *out);

#endif
