// The softmax of a causal attention's scores and its gradient, in one pass
// over each row. The scores of a training step (batch x heads x T x T) are
// the largest tensors it makes; computed with separate tensor operations
// (scale, mask, softmax, and their backward) each one reads and writes them
// again, in bf16 without vector code. Here a row is read once into float,
// scaled, masked by position, exponentiated and written once; the backward
// pass likewise. Keys a query may not see are written as 0 and never read.
#pragma once

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

  int64_t visible(int64_t row) const {
    const int64_t n = past + row % queries + 1;
    return n < width ? n : width;
  }
};

// out = softmax(scale * in) over each row's visible keys, 0 beyond them.
void causal_softmax_forward(const CausalRows& shape, const void* in, void* out, int64_t begin, int64_t end);

// grad_in = scale * p * (grad - sum(p * grad)) over the visible keys, 0
// beyond them, where p is what the forward pass wrote.
void causal_softmax_backward(const CausalRows& shape, const void* probs, const void* grad, void* grad_in, int64_t begin,
                             int64_t end);

// The kernel the two above run ("avx2_fma" or "scalar").
const char* causal_softmax_kernel_name();

namespace detail {
// One value of a row, in the row's type: both kernels' tails use these.
inline float load_score(const CausalRows& s, const void* base, int64_t i) {
  return s.type == ScoreType::f32 ? static_cast<const float*>(base)[i]
                                  : from_bf16(static_cast<const uint16_t*>(base)[i]);
}

inline void store_score(const CausalRows& s, void* base, int64_t i, float v) {
  if (s.type == ScoreType::f32) {
    static_cast<float*>(base)[i] = v;
  } else {
    static_cast<uint16_t*>(base)[i] = to_bf16(v);
  }
}

using CausalSoftmaxForward = void (*)(const CausalRows&, const void*, void*, int64_t, int64_t);
using CausalSoftmaxBackward = void (*)(const CausalRows&, const void*, const void*, void*, int64_t, int64_t);

void causal_softmax_forward_scalar(const CausalRows&, const void*, void*, int64_t, int64_t);
void causal_softmax_backward_scalar(const CausalRows&, const void*, const void*, void*, int64_t, int64_t);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
void causal_softmax_forward_avx2_fma(const CausalRows&, const void*, void*, int64_t, int64_t);
void causal_softmax_backward_avx2_fma(const CausalRows&, const void*, const void*, void*, int64_t, int64_t);
#endif
}  // namespace detail

}  // namespace emopiano::kernels
