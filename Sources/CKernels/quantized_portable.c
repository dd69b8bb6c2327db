// The quantized products in plain C: the reference every vector path is tested against, and
// the path of machines without AVX2 (quantized_kernels.h).
#include "quantized_kernels.h"

/// Σ w·x over one 32-weight block.
static float dot32_portable(int type, const uint8_t *block, const act32 *a) {
    int8_t q[32];
    small_block_quants(type, block, q);
    int sum = 0;
    for (int i = 0; i < 32; i++) sum += q[i] * a->q[i];
    float product = half_to_float(load_half(block)) * a->d * (float)sum;
    return has_min(type) ? product + half_to_float(load_half(block + 2)) * a->s : product;
}

/// Σ w·x over one 256-weight block.
static float dot256_portable(int type, const uint8_t *block, const act256 *a) {
    if (type == CL_BLOCK_Q4_K) {
        float d = half_to_float(load_half(block)), dmin = half_to_float(load_half(block + 2));
        int sum = 0, mins = 0;
        for (int j = 0; j < 8; j++) {  // sub-block j: weights 32j..32j+31, nibbles of bytes 32(j/2).. (low for even j)
            uint8_t scale, min;
            scale_min_k4(j, block + 4, &scale, &min);
            const uint8_t *qs = block + 16 + 32 * (j / 2);
            int part = 0;
            for (int l = 0; l < 32; l++) part += (j % 2 ? qs[l] >> 4 : qs[l] & 0xF) * a->q[32 * j + l];
            sum += scale * part;
            mins += min * (a->sums[2 * j] + a->sums[2 * j + 1]);
        }
        return a->d * (d * (float)sum - dmin * (float)mins);
    }
    float d = half_to_float(load_half(block + 208));
    const int8_t *scales = (const int8_t *)(block + 192);
    int8_t q[256];
    q6k_quants(block, q);
    int sum = 0;
    for (int i = 0; i < 256; i++) sum += scales[i / 16] * q[i] * a->q[i];
    return d * a->d * (float)sum;
}

INTERNAL void quantized_matmul_portable(int type, const void *xq, size_t m, size_t k, const void *w, size_t n,
                                        size_t first, size_t end, const float *bias, float *out) {
    size_t size = kernel_block_size(type), blocks = k / size, step = block_bytes(type);
    for (size_t j = first; j < end; j++) {
        const uint8_t *row = (const uint8_t *)w + j * blocks * step;
        for (size_t r = 0; r < m; r++) {
            float sum = 0;
            for (size_t b = 0; b < blocks; b++) {
                sum += size == 256 ? dot256_portable(type, row + b * step, (const act256 *)xq + r * blocks + b)
                                   : dot32_portable(type, row + b * step, (const act32 *)xq + r * blocks + b);
            }
            out[r * n + j] = sum + (bias ? bias[j] : 0);
        }
    }
}
