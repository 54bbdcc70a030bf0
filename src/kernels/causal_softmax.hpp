// The softmax of a causal attention's scores and its gradient, in one pass
// over each row. The scores of a training step (batch x heads x T x T) are
// the largest tensors it makes; computed with separate tensor operations
// (scale, mask, softmax, and their backward) each one reads and writes them
// again, in bf16 without vector code. Here a row is read once into float,
// scaled, masked by position, exponentiated and written once; the backward
// pass likewise. Keys a query may not see are written as 0 and never read.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/bf16.hpp"

namespace emopiano::kernels {

enum class ScoreType { f32, bf16 };

// Rows [begin, end) of a tensor of rows of `width` values. Row r belongs to
// query r % queries, at absolute position past + r % queries, which sees
// keys 0..past + r % queries (all of them once that reaches width).
struct CausalRows {
  int64_t width = 0;
  int64_t queries = 0;
  int64_t past = 0;
  ScoreType type = ScoreType::f32;
  float scale = 1.0f;
  // Attention dropout: the probability a value is zeroed (the kept ones are
  // scaled by 1 / (1 - drop)) and the seed of its mask; drop 0 turns it off.
  float drop = 0.0f;
  uint64_t seed = 0;

  int64_t visible(int64_t row) const {
    const int64_t n = past + row % queries + 1;
    return n < width ? n : width;
  }
};

// out = softmax(scale * in) over each row's visible keys, 0 beyond them.
// With shape.drop > 0, dropped = out * keep / (1 - drop) as well (else it
// may be null), where keep is dropout_keeps.
void causal_softmax_forward(const CausalRows& shape, const void* in, void* out, void* dropped, int64_t begin,
                            int64_t end);

// The gradient with respect to `in` of what the forward pass returned (out,
// or dropped with shape.drop > 0) given its gradient `grad`:
// d = grad * keep / (1 - drop), grad_in = scale * p * (d - sum(p * d)) over
// the visible keys, 0 beyond them, where p is out.
void causal_softmax_backward(const CausalRows& shape, const void* probs, const void* grad, void* grad_in, int64_t begin,
                             int64_t end);

// The dropout mask: a value at (row, key) is kept when the 31 high bits of
// a hash of the seed, the row and the key reach drop * 2^31. The row's part
// is mixed once (dropout_row_key) and the key's added as a Weyl sequence, so
// a vector kernel hashes eight keys with eight-lane integer operations.
// murmur3's 32-bit finaliser mixes it, a bijection with full avalanche.
inline uint32_t dropout_mix(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}
constexpr uint32_t kDropoutKeyStep = 0x9e3779b9u;
inline uint32_t dropout_row_key(uint64_t seed, int64_t row) {
  uint64_t z = seed + static_cast<uint64_t>(row) * 0x9e3779b97f4a7c15ull;  // splitmix64's step and mix
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return static_cast<uint32_t>(z ^ (z >> 31));
}
// drop * 2^31, computed once per call: the kernels compare against it per value.
inline int32_t dropout_threshold(float drop) { return static_cast<int32_t>(std::lround(drop * 2147483648.0)); }
inline bool dropout_keeps(int32_t threshold, uint32_t row_key, int64_t key) {
  const uint32_t h = dropout_mix(row_key + static_cast<uint32_t>(key) * kDropoutKeyStep);
  return static_cast<int32_t>(h >> 1) >= threshold;
}

// The kernel the two above run ("avx2_fma" or "scalar").
const char* causal_softmax_kernel_name();

namespace detail {
// One value of a row, in the row's type: both kernels' tails use these.
inline float load_score(ScoreType type, const void* base, int64_t i) {
  return type == ScoreType::f32 ? static_cast<const float*>(base)[i] : from_bf16(static_cast<const uint16_t*>(base)[i]);
}

inline void store_score(ScoreType type, void* base, int64_t i, float v) {
  if (type == ScoreType::f32) {
    static_cast<float*>(base)[i] = v;
  } else {
    static_cast<uint16_t*>(base)[i] = to_bf16(v);
  }
}

using CausalSoftmaxForward = void (*)(const CausalRows&, const void*, void*, void*, int64_t, int64_t);
using CausalSoftmaxBackward = void (*)(const CausalRows&, const void*, const void*, void*, int64_t, int64_t);

void causal_softmax_forward_scalar(const CausalRows&, const void*, void*, void*, int64_t, int64_t);
void causal_softmax_backward_scalar(const CausalRows&, const void*, const void*, void*, int64_t, int64_t);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
void causal_softmax_forward_avx2_fma(const CausalRows&, const void*, void*, void*, int64_t, int64_t);
void causal_softmax_backward_avx2_fma(const CausalRows&, const void*, const void*, void*, int64_t, int64_t);
#endif
}  // namespace detail

}  // namespace emopiano::kernels
