// Attention of one new token per sequence over a K/V cache kept in bf16:
// half the bytes of a float cache, which at long contexts is most of what a
// generation step reads. Scores, softmax and sums are in float32.
#pragma once

#include <cstdint>

namespace emopiano::kernels {

// qkv: B rows of [3, H, D] floats, `qkv_stride` apart (the fused projection
// of each sequence's new token). key_cache, value_cache: bf16 [B, H,
// capacity, D], filled up to `past`; the new key and value are rounded to bf16
// and written at `past`, then the query attends to positions [0, past]. out:
// B rows of H * D floats, `out_stride` apart. The arithmetic order does not
// depend on B or on the CPU's vector width.
void bf16_cache_attention(const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t D, uint16_t* key_cache,
                          uint16_t* value_cache, int64_t capacity, int64_t past, float* out, int64_t out_stride);

}  // namespace emopiano::kernels
