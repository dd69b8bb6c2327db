#ifndef CODELOOP_PACKED_MATMUL_H
#define CODELOOP_PACKED_MATMUL_H

#include <stddef.h>

/// Outputs per packed panel. A packed matrix W (n outputs × k inputs) is stored panel by panel:
/// panel p holds outputs 16p ..< 16p+16 as k rows of 16 floats (input-major), the last panel
/// zero-padded. A decode step's product then streams each weight once, in order, and never
/// repacks it — what OpenBLAS's sgemm does on every call.
#define CL_PANEL_WIDTH 16

/// Panels of n outputs (the last one may be narrower).
size_t cl_panel_count(size_t n);

/// Floats of packed storage for n outputs × k inputs.
size_t cl_packed_size(size_t n, size_t k);

/// Storage for `count` floats of packed weights, aligned to 2 MiB and, on Linux, marked for
/// transparent huge pages: a decode step streams every weight, and with 4 KiB pages the TLB
/// misses cost about a fifth of the bandwidth here. NULL when out of memory.
float *cl_packed_allocate(size_t count);
void cl_packed_free(float *storage);

/// Packs W stored (n × k), row-major (the layout of an HF Linear weight).
void cl_pack_out_by_in(const float *weight, size_t n, size_t k, float *packed);

/// Packs W stored (k × n), row-major (GPT-2's Conv1D layout).
void cl_pack_in_by_out(const float *weight, size_t n, size_t k, float *packed);

/// out[r][j] = Σ_i x[r][i] · W[j][i] (+ bias[j]) for rows r < m and the outputs of panels
/// first_panel ..< end_panel. x is (m × k) with row stride k, out (m × n) with row stride n;
/// bias may be NULL; k > 0.
void cl_packed_matmul(const float *x, size_t m, size_t k, const float *packed, size_t n,
                      size_t first_panel, size_t end_panel, const float *bias, float *out);

/// The same product on the portable kernels whatever the machine, so that the tests hold both
/// versions to the reference.
void cl_packed_matmul_portable(const float *x, size_t m, size_t k, const float *packed, size_t n,
                               size_t first_panel, size_t end_panel, const float *bias, float *out);

#endif
