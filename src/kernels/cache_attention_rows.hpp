// The loop the bf16 and int8 caches share: for each sequence b and each of
// its T new tokens t (row b * T + t of qkv), every K/V head's key and value
// are written at position past + t, then each query head attends to
// positions [0, past + t] of its K/V head (query head h reads K/V head
// h / (H / KVH): grouped-query attention when KVH < H), or with a sliding
// window to positions [window_first_key(past + t, window), past + t]. A
// token's key is written before it and the later tokens attend, so T tokens
// of one sequence attend causally, as a prompt does.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/attention_window.hpp"
#include "kernels/cache_attention_kernels.hpp"

namespace emopiano::kernels::detail {

// qkv rows: [H * D queries, KVH * D keys, KVH * D values]. value_cache:
// [B, KVH, capacity, row_size] of Value; key_cache: [B, KVH, key_head_size]
// of Value, one K/V head's keys in whatever layout write_key(const float* x,
// Value* head, int64_t position) stores and the kernels read. write_row(const
// float* x, Value* row) stores D floats as one value row. run_group, when
// not null, runs the query heads of one K/V head together
// (CacheAttentionGroupKernel); run is the kernel. A window starts at a
// panel's first position, `key_position_size` Values of the key layout per
// position from the head's start (the layout's size of sixteen positions,
// over sixteen).
template <typename Value, typename Kernel, typename GroupKernel, typename WriteKey, typename WriteRow>
void attend_new_tokens(Kernel run, GroupKernel run_group, WriteKey write_key, WriteRow write_row, const float* qkv,
                       int64_t qkv_stride, int64_t B, int64_t T, int64_t H, int64_t KVH, int64_t D, int64_t row_size,
                       Value* key_cache, int64_t key_head_size, int64_t key_position_size, Value* value_cache,
                       int64_t capacity, int64_t past, float* out, int64_t out_stride, int64_t window) {
  const int64_t C = H * D, KVC = KVH * D, group = H / KVH;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  // Grown to the longest run seen, then reused: no allocation per step.
  thread_local std::vector<float> scratch;
  const auto needed = static_cast<size_t>(group * cache_attention_scratch_floats(past + T, D));
  if (scratch.size() < needed) scratch.resize(needed);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < T; ++t) {
      const float* row = qkv + (b * T + t) * qkv_stride;
      for (int64_t kv = 0; kv < KVH; ++kv) {
        write_key(row + C + kv * D, key_cache + (b * KVH + kv) * key_head_size, past + t);
        write_row(row + C + KVC + kv * D, value_cache + ((b * KVH + kv) * capacity + past + t) * row_size);
      }
      const int64_t first = window_first_key(past + t, window), S = past + t + 1 - first;
      for (int64_t kv = 0; kv < KVH; ++kv) {  // query heads kv * group .. (kv + 1) * group - 1
        const Value* keys = key_cache + (b * KVH + kv) * key_head_size + first * key_position_size;
        const Value* values = value_cache + ((b * KVH + kv) * capacity + first) * row_size;
        const float* q = row + kv * group * D;
        float* o = out + (b * T + t) * out_stride + kv * group * D;
        if constexpr (!std::is_same_v<GroupKernel, std::nullptr_t>) {
          if (group > 1 && run_group) {
            run_group(q, group, keys, values, S, D, scale, scratch.data(), o);
            continue;
          }
        }
        for (int64_t i = 0; i < group; ++i) run(q + i * D, keys, values, S, D, scale, scratch.data(), o + i * D);
      }
    }
  }
}

}  // namespace emopiano::kernels::detail
