// ggml's type traits (ggml/src/ggml.c, type_traits) for the types codeloop reads.
#include "ggml_types.h"

#include <stddef.h>

const cl_ggml_type cl_ggml_types[CL_TYPE_LIMIT] = {
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

const cl_ggml_type *cl_ggml_type_traits(unsigned id) {
    return id < CL_TYPE_LIMIT && cl_ggml_types[id].name ? &cl_ggml_types[id] : NULL;
}
