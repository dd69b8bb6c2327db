// ggml's type traits (ggml/src/ggml.c, type_traits) for the types codeloop reads: the table itself,
// static in each file that includes it, so that a kernel's `has_min(CL_BLOCK_Q8_0)` or
// `block_bytes(type)` with `type` a constant folds at compile time (an extern table made every
// block's test a load and a branch: 20 samples ran 0.88× as fast).
#ifndef CODELOOP_GGML_TYPES_TABLE_H
#define CODELOOP_GGML_TYPES_TABLE_H

#include "ggml_types.h"

/// Indexed by id.
static const cl_ggml_type cl_ggml_types[CL_TYPE_LIMIT] = {
    [CL_TYPE_F32] = {"F32", 1, 4, 0, 0},
    [CL_BLOCK_F16] = {"F16", 1, 2, 0, 1},
    [CL_BLOCK_Q4_0] = {"Q4_0", 32, 2 + 16, 0, 1},
    [CL_BLOCK_Q4_1] = {"Q4_1", 32, 2 + 2 + 16, 1, 1},
    [CL_BLOCK_Q5_0] = {"Q5_0", 32, 2 + 4 + 16, 0, 1},
    [CL_BLOCK_Q5_1] = {"Q5_1", 32, 2 + 2 + 4 + 16, 1, 1},
    [CL_BLOCK_Q8_0] = {"Q8_0", 32, 2 + 32, 0, 1},
    [CL_BLOCK_Q4_K] = {"Q4_K", 256, 2 + 2 + 12 + 128, 0, 1},
    [CL_BLOCK_Q6_K] = {"Q6_K", 256, 128 + 64 + 16 + 2, 0, 1},
    [CL_TYPE_BF16] = {"BF16", 1, 2, 0, 0},
};

#endif
