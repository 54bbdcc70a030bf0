#include "model/single_query_attention.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/attention_window.hpp"

namespace emopiano::detail {

namespace {

// The hot loops are compiled for AVX-512, AVX2 and baseline x86-64 and the
// loader picks the best the CPU has (GCC function multi-versioning), so the
// library stays portable. Sixteen partial sums in fixed lanes keep the
// result the same on every version: no reassociation, no contraction (ISO
// C++ mode compiles with -ffp-contract=off).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EMOPIANO_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define EMOPIANO_MULTIVERSION
#endif

constexpr int kLanes = 16;

// scores[s] = dot(q, keys[s]) * scale for s < S.
EMOPIANO_MULTIVERSION
void dot_rows(const float* q, const float* keys, int64_t S, int64_t D, float scale, float* scores) {
  const int64_t full = D / kLanes * kLanes;
  for (int64_t s = 0; s < S; ++s) {
    const float* k = keys + s * D;
    float acc[kLanes] = {};
    for (int64_t i = 0; i < full; i += kLanes) {
      for (int j = 0; j < kLanes; ++j) acc[j] += q[i + j] * k[i + j];
    }
    for (int64_t i = full; i < D; ++i) acc[i - full] += q[i] * k[i];
    float sum = 0.0f;
    for (int j = 0; j < kLanes; ++j) sum += acc[j];
    scores[s] = sum * scale;
  }
}

// out[d] = sum_s weights[s] * values[s][d].
EMOPIANO_MULTIVERSION
void weighted_rows(const float* weights, const float* values, int64_t S, int64_t D, float* out) {
  std::fill(out, out + D, 0.0f);
  for (int64_t s = 0; s < S; ++s) {
    const float w = weights[s];
    const float* v = values + s * D;
    for (int64_t d = 0; d < D; ++d) out[d] += w * v[d];
  }
}

}  // namespace

void single_query_attention(const float* qkv, int64_t B, int64_t H, int64_t KVH, int64_t D, float* key_cache,
                            float* value_cache, int64_t capacity, int64_t past, float* out, int64_t window) {
  const int64_t first = kernels::window_first_key(past, window);
  const int64_t C = H * D, KVC = KVH * D, S = past + 1 - first, group = H / KVH;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  std::vector<float> scores(static_cast<size_t>(S), 0.0f);
  for (int64_t b = 0; b < B; ++b) {
    const float* row = qkv + b * (C + 2 * KVC);
    for (int64_t kv = 0; kv < KVH; ++kv) {
      std::memcpy(key_cache + ((b * KVH + kv) * capacity + past) * D, row + C + kv * D,
                  sizeof(float) * static_cast<size_t>(D));
      std::memcpy(value_cache + ((b * KVH + kv) * capacity + past) * D, row + C + KVC + kv * D,
                  sizeof(float) * static_cast<size_t>(D));
    }
    for (int64_t h = 0; h < H; ++h) {
      const float* keys = key_cache + ((b * KVH + h / group) * capacity + first) * D;
      const float* values = value_cache + ((b * KVH + h / group) * capacity + first) * D;
      dot_rows(row + h * D, keys, S, D, scale, scores.data());
      const float top = *std::max_element(scores.begin(), scores.end());
      float total = 0.0f;
      for (auto& x : scores) total += (x = std::exp(x - top));
      const float inv = 1.0f / total;
      for (auto& x : scores) x *= inv;
      weighted_rows(scores.data(), values, S, D, out + b * C + h * D);
    }
  }
}

}  // namespace emopiano::detail
