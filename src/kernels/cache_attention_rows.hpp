// The loop the bf16 and int8 caches share: for each sequence b and each of
// its T new tokens t (row b * T + t of qkv), every head's key and value are
// written at position past + t, then the token's query attends to positions
// [0, past + t]. A token's key is written before it and the later tokens
// attend, so T tokens of one sequence attend causally, as a prompt does.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/cache_attention_kernels.hpp"

namespace emopiano::kernels::detail {

// cache: [B, H, capacity, row_size] of Value. write_row(const float* x,
// Value* row) stores D floats as one cache row; run is the kernel.
template <typename Value, typename Kernel, typename WriteRow>
void attend_new_tokens(Kernel run, WriteRow write_row, const float* qkv, int64_t qkv_stride, int64_t B, int64_t T,
                       int64_t H, int64_t D, int64_t row_size, Value* key_cache, Value* value_cache, int64_t capacity,
                       int64_t past, float* out, int64_t out_stride) {
  const int64_t C = H * D;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  // Grown to the longest run seen, then reused: no allocation per step.
  thread_local std::vector<float> scratch;
  const auto needed = static_cast<size_t>(cache_attention_scratch_floats(past + T, D));
  if (scratch.size() < needed) scratch.resize(needed);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < T; ++t) {
      const float* row = qkv + (b * T + t) * qkv_stride;
      for (int64_t h = 0; h < H; ++h) {
        Value* keys = key_cache + ((b * H + h) * capacity) * row_size;
        Value* values = value_cache + ((b * H + h) * capacity) * row_size;
        write_row(row + C + h * D, keys + (past + t) * row_size);
        write_row(row + 2 * C + h * D, values + (past + t) * row_size);
        run(row + h * D, keys, values, past + t + 1, D, scale, scratch.data(), out + (b * T + t) * out_stride + h * D);
      }
    }
  }
}

}  // namespace emopiano::kernels::detail
