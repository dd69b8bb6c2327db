#ifndef CODELOOP_GGML_TYPES_H
#define CODELOOP_GGML_TYPES_H

/// ggml's tensor types that codeloop reads, under ggml.h's ids (ggml_type), with their traits
/// (ggml.c's type_traits): the one table of formats. Swift's GGMLType and BlockMatrix.Format and
/// the kernels all read it; adding a format is a row here, its dequantizer and its kernels.
enum {
    CL_TYPE_F32 = 0,
    CL_BLOCK_F16 = 1,   // IEEE half per weight
    CL_BLOCK_Q4_0 = 2,  // 32 weights: half scale d, 16 bytes of nibbles; w = d · (q − 8)
    CL_BLOCK_Q4_1 = 3,  // 32 weights: half d, half m, 16 bytes of nibbles; w = d · q + m
    CL_BLOCK_Q5_0 = 6,  // 32 weights: half d, 32 fifth bits, 16 bytes of nibbles; w = d · (q − 16)
    CL_BLOCK_Q5_1 = 7,  // 32 weights: half d, half m, 32 fifth bits, 16 bytes of nibbles; w = d · q + m
    CL_BLOCK_Q8_0 = 8,  // 32 weights: half scale d, 32 int8; w = d · q
    CL_BLOCK_Q4_K = 12, // 256 weights: half d, half dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
    CL_BLOCK_Q6_K = 14, // 256 weights: 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales, half d
    CL_TYPE_BF16 = 30,
    CL_TYPE_LIMIT = 31, // ids are below this
};

typedef struct {
    const char *name;  // as ggml names it ("Q4_K"); NULL for an id codeloop does not read
    int block_size;    // weights per block
    int block_bytes;   // bytes per block
    int has_min;       // w = d · q + m, the min in bytes 2–3 (Q4_1, Q5_1)
    int in_place;      // the kernels multiply it as the file stores it (BlockMatrix)
} cl_ggml_type;

/// The traits of type `id`, or NULL when codeloop does not read it.
const cl_ggml_type *cl_ggml_type_traits(unsigned id);

#endif
