// Dropout of any tensor seen as rows of `width` values, with the attention
// dropout's mask (a hash of a seed, the row and the key: causal_softmax.hpp)
// instead of a draw per value. LibTorch 1.13's CPU dropout draws every value
// from one generator under its lock, in one thread, at 10-16 ns a value
// (Intel Xeon); a training step of the VAE draws tens of millions. The hash
// runs in every thread, eight values at a time, and needs no stored mask:
// the same call with the same seed, applied to the gradient, is the backward
// pass.
#pragma once

#include <cstdint>

#include "kernels/causal_softmax.hpp"

namespace emopiano::kernels {

struct DropoutRows {
  int64_t width = 0;
  ScoreType type = ScoreType::f32;
  float drop = 0.0f;  // the probability a value is zeroed; the kept ones are scaled by 1 / (1 - drop)
  uint64_t seed = 0;
};

// out = in * keep / (1 - drop) for rows [begin, end), keep being
// dropout_keeps(threshold, dropout_row_key(seed, row), key). in and out may
// be the same buffer.
void dropout_rows(const DropoutRows& shape, const void* in, void* out, int64_t begin, int64_t end);

// The kernel dropout_rows runs ("avx2_fma" or "scalar").
const char* dropout_rows_kernel_name();

namespace detail {
// Value i, kept (scaled by `kept`) or zeroed: the portable kernel's rule,
// and the vector kernel's for a row's last few values.
inline void drop_one(const DropoutRows& s, const void* in, void* out, int64_t i, bool keep, float kept) {
  store_score(s.type, out, i, keep ? load_score(s.type, in, i) * kept : 0.0f);
}

using DropoutRowsKernel = void (*)(const DropoutRows&, const void*, void*, int64_t, int64_t);
void dropout_rows_scalar(const DropoutRows&, const void*, void*, int64_t, int64_t);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
void dropout_rows_avx2_fma(const DropoutRows&, const void*, void*, int64_t, int64_t);
#endif
}  // namespace detail

}  // namespace emopiano::kernels
