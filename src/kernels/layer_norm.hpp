// LayerNorm over one row of the generation step, as torch::nn::LayerNorm
// computes it (biased variance, eps inside the square root). The mean and
// the variance are summed in double in eight interleaved partial sums; the
// vector kernels keep those eight sums in the lanes of a vector of doubles,
// in the same order, so every kernel gives the portable one's result bit
// for bit: a step's logits do not depend on the CPU's vector width.
#pragma once

#include <cstdint>

#include "kernels/decoder_weights.hpp"
#include "kernels/gemv.hpp"

namespace emopiano::kernels {

// y = LayerNorm(x) over n values, with the kernel of `isa` (the portable
// one where the CPU lacks it).
void layer_norm(GemvIsa isa, const LayerNormWeights& ln, const float* x, int64_t n, float* y);

// The same with the kernel of gemv_isa().
void layer_norm(const LayerNormWeights& ln, const float* x, int64_t n, float* y);

}  // namespace emopiano::kernels
