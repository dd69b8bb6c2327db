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

/// The same three on the portable code whatever the machine, for the tests.
void cl_half_store_portable(const float *src, uint16_t *dst, size_t n);
void cl_half_scores_portable(const float *q, const uint16_t *keys, size_t d, size_t count, float scale, float *scores);
void cl_half_accumulate_portable(const float *p, const uint16_t *values, size_t d, size_t count, float *out);

#endif
