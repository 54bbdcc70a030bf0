// Attention of one new token per sequence over a K/V cache kept in int8
// rows (int8_cache_rows.hpp): half the bytes of a bf16 cache, so the cost of
// a step grows half as fast with the position. Scores, softmax and sums are
// in float32. An option of loading a model (LoadOptions::kv_cache).
#pragma once

#include <cstdint>

#include "kernels/gemv.hpp"

namespace emopiano::kernels {

// As bf16_cache_attention(), with key_cache and value_cache int8 [B, KVH,
// capacity, int8_row_bytes(D)]: the new key and value are quantised and
// written at `past`, then the query attends to positions [0, past]. The
// arithmetic of a row does not depend on B. `tokens` and `window` as in
// bf16_cache_attention().
void int8_cache_attention(const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t KVH, int64_t D,
                          int8_t* key_cache, int8_t* value_cache, int64_t capacity, int64_t past, float* out,
                          int64_t out_stride, int64_t tokens = 1, int64_t window = 0);
// With the kernel of a given instruction set (avx512_bf16 and avx512f run
// the AVX-512 kernel; anything else the portable one). For tests and
// measurements.
void int8_cache_attention(GemvIsa isa, const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t KVH,
                          int64_t D, int8_t* key_cache, int8_t* value_cache, int64_t capacity, int64_t past, float* out,
                          int64_t out_stride);
// "avx512" or "scalar".
const char* int8_cache_attention_kernel_name(GemvIsa isa);

}  // namespace emopiano::kernels
