// Attention of one new token per sequence over a K/V cache kept in bf16:
// half the bytes of a float cache, which at long contexts is most of what a
// generation step reads. Scores, softmax and sums are in float32.
#pragma once

#include <cstdint>

#include "kernels/gemv.hpp"

namespace emopiano::kernels {

// qkv: B rows of H queries, then KVH keys and KVH values, of D floats each,
// `qkv_stride` apart (the fused projection of each sequence's new token;
// KVH divides H, and query head h reads K/V head h / (H / KVH)). key_cache:
// bf16 [B, KVH, key_head_values(capacity, D)], each head's keys in panels of
// sixteen positions (key_panels.hpp); value_cache: bf16 [B, KVH, capacity, D]
// rows. Both are filled up to `past`; the new keys and values are rounded to
// bf16 and written at `past`, then each query attends to positions [0, past].
// out: B rows of H * D floats, `out_stride` apart. Each head's keys, then its
// values, are one contiguous run of the cache, read once, front to back. The
// arithmetic of a row does not depend on B. With `tokens` T > 1, qkv and out
// hold T rows per sequence (row b * T + t), written at past + t and attending
// causally (cache_attention_rows.hpp): a prompt in one call. With a sliding
// `window` (> 0, a multiple of 16) a token at p attends to positions
// [window_first_key(p, window), p] (attention_window.hpp).
void bf16_cache_attention(const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t KVH, int64_t D,
                          uint16_t* key_cache, uint16_t* value_cache, int64_t capacity, int64_t past, float* out,
                          int64_t out_stride, int64_t tokens = 1, int64_t window = 0);

// The same with the kernel of a given instruction set, as gemv() picks them
// (avx512_bf16 and avx512f run the AVX-512 kernel, which also needs
// AVX512BW and VL); one this CPU cannot run falls back to the next it can. The
// overload above uses gemv_isa()'s choice. For tests and measurements.
void bf16_cache_attention(GemvIsa isa, const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t KVH,
                          int64_t D, uint16_t* key_cache, uint16_t* value_cache, int64_t capacity, int64_t past,
                          float* out, int64_t out_stride);

// The name of the attention kernel bf16_cache_attention(isa, ...) runs:
// "avx512", "avx2_fma" or "scalar".
const char* bf16_cache_attention_kernel_name(GemvIsa isa);

}  // namespace emopiano::kernels
