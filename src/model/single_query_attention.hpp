// Attention of one new token per sequence over its K/V cache, on raw float
// buffers: the step every generated token takes. Written out because the
// general path (two batched matrix products, a scale, a softmax, copies into
// the cache) costs eight LibTorch ops per layer, and OpenBLAS runs each
// one-row product through its general kernel, which first copies the whole
// cached key or value block.
#pragma once

#include <cstdint>

namespace emopiano::detail {

// qkv: B rows of H queries, then KVH keys and KVH values, of D floats (the
// fused projection of the new token of each sequence; query head h reads
// K/V head h / (H / KVH)). key_cache, value_cache: [B, KVH, capacity, D],
// filled up to `past`; the new keys and values are written at `past`, then
// each query attends to positions [0, past], or with a sliding window (> 0)
// [window_first_key(past, window), past]. out: [B, H * D]. Every sequence and head is computed the same
// way whatever B is, and the arithmetic order does not depend on the CPU's
// vector width, so results are batch- and machine-independent.
void single_query_attention(const float* qkv, int64_t B, int64_t H, int64_t KVH, int64_t D, float* key_cache,
                            float* value_cache, int64_t capacity, int64_t past, float* out, int64_t window = 0);

}  // namespace emopiano::detail
