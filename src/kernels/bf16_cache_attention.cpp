#include "kernels/bf16_cache_attention.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/bf16.hpp"

namespace emopiano::kernels {

namespace {

constexpr int kLanes = 16;

// The two loops, stamped out for AVX-512, AVX2 and baseline x86-64 with
// function attributes and chosen at run time (no ifuncs, which sanitizers
// cannot instrument). Sixteen partial sums in fixed lanes and no contraction
// keep every version's result the same.
#define EMOPIANO_ATTENTION_LOOPS(suffix, target)                                                                       \
  target void dot_rows_##suffix(const float* q, const uint16_t* keys, int64_t S, int64_t D, float scale,               \
                                float* scores) {                                                                       \
    const int64_t full = D / kLanes * kLanes;                                                                          \
    for (int64_t s = 0; s < S; ++s) {                                                                                  \
      const uint16_t* k = keys + s * D;                                                                                \
      float acc[kLanes] = {};                                                                                          \
      for (int64_t i = 0; i < full; i += kLanes) {                                                                     \
        for (int j = 0; j < kLanes; ++j) acc[j] += q[i + j] * from_bf16(k[i + j]);                                     \
      }                                                                                                                \
      for (int64_t i = full; i < D; ++i) acc[i - full] += q[i] * from_bf16(k[i]);                                      \
      float sum = 0.0f;                                                                                                \
      for (int j = 0; j < kLanes; ++j) sum += acc[j];                                                                  \
      scores[s] = sum * scale;                                                                                         \
    }                                                                                                                  \
  }                                                                                                                    \
  target void weighted_rows_##suffix(const float* weights, const uint16_t* values, int64_t S, int64_t D, float* out) { \
    for (int64_t d = 0; d < D; ++d) out[d] = 0.0f;                                                                     \
    for (int64_t s = 0; s < S; ++s) {                                                                                  \
      const float w = weights[s];                                                                                      \
      const uint16_t* v = values + s * D;                                                                              \
      for (int64_t d = 0; d < D; ++d) out[d] += w * from_bf16(v[d]);                                                   \
    }                                                                                                                  \
  }

EMOPIANO_ATTENTION_LOOPS(generic, )
#if defined(__x86_64__) && defined(__GNUC__)
EMOPIANO_ATTENTION_LOOPS(avx2, __attribute__((target("avx2"))))
EMOPIANO_ATTENTION_LOOPS(avx512, __attribute__((target("avx512f,avx512bw"))))
#endif

struct Loops {
  void (*dot_rows)(const float*, const uint16_t*, int64_t, int64_t, float, float*);
  void (*weighted_rows)(const float*, const uint16_t*, int64_t, int64_t, float*);
};

Loops choose() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
    return {dot_rows_avx512, weighted_rows_avx512};
  if (__builtin_cpu_supports("avx2")) return {dot_rows_avx2, weighted_rows_avx2};
#endif
  return {dot_rows_generic, weighted_rows_generic};
}

}  // namespace

void bf16_cache_attention(const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t D, uint16_t* key_cache,
                          uint16_t* value_cache, int64_t capacity, int64_t past, float* out, int64_t out_stride) {
  static const Loops loops = choose();
  const int64_t C = H * D, S = past + 1;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  thread_local std::vector<float> scores;
  scores.resize(static_cast<size_t>(S));
  for (int64_t b = 0; b < B; ++b) {
    const float* row = qkv + b * qkv_stride;
    for (int64_t h = 0; h < H; ++h) {
      uint16_t* keys = key_cache + ((b * H + h) * capacity) * D;
      uint16_t* values = value_cache + ((b * H + h) * capacity) * D;
      for (int64_t d = 0; d < D; ++d) {
        keys[past * D + d] = to_bf16(row[C + h * D + d]);
        values[past * D + d] = to_bf16(row[2 * C + h * D + d]);
      }
      loops.dot_rows(row + h * D, keys, S, D, scale, scores.data());
      const float top = *std::max_element(scores.begin(), scores.end());
      float total = 0.0f;
      for (auto& x : scores) total += (x = std::exp(x - top));
      const float inv = 1.0f / total;
      for (auto& x : scores) x *= inv;
      loops.weighted_rows(scores.data(), values, S, D, out + b * out_stride + h * D);
    }
  }
}

}  // namespace emopiano::kernels
