// The generation step of the Transformer on raw buffers: one new token per
// sequence, each layer fused (LayerNorm, QKV projection, attention over the
// bf16 K/V cache, output projection and residual, LayerNorm, GELU MLP and
// residual) with no allocation per operation. The matrices go through
// gemv(), two sequences at a time, so guidance's second row reads the
// weights with the first.
#pragma once

#include <cstdint>

#include "kernels/decoder_weights.hpp"

namespace emopiano::kernels {

// x: B rows of d_model floats, the residual stream of each sequence's new
// token, updated in place. key_cache, value_cache: this layer's bf16 [B,
// n_heads, capacity, d_model / n_heads], filled up to `past`.
void decoder_layer_step(const DecoderWeights& w, const DecoderLayerWeights& layer, float* x, int64_t B,
                        uint16_t* key_cache, uint16_t* value_cache, int64_t capacity, int64_t past);

// logits: B rows of w.vocab floats = head(final_ln(x)).
void decoder_head(const DecoderWeights& w, const float* x, int64_t B, float* logits);

// y = LayerNorm(x) over n values, as torch::nn::LayerNorm computes it
// (biased variance, eps inside the square root).
void layer_norm(const LayerNormWeights& ln, const float* x, int64_t n, float* y);

}  // namespace emopiano::kernels
