// The generation step of the Transformer on raw buffers: new tokens of each
// sequence (one per step, or a prompt's), each layer fused (LayerNorm, QKV
// projection, attention over the K/V cache (bf16 or int8), output
// projection and residual, LayerNorm, GELU MLP and residual) with no
// allocation per operation. The matrices go through gemv() with every row
// at once, so guidance's rows, a batch's pieces and a prompt's tokens read
// the weights from memory once.
#pragma once

#include <cstdint>

#include "kernels/decoder_weights.hpp"

namespace emopiano::kernels {

// One layer's K/V cache: [B, n_kv_heads, capacity, row] with a row of head_dim
// bf16 values, or of int8_row_bytes(head_dim) bytes (int8_cache_rows.hpp).
struct StepCache {
  enum class Storage { bf16, int8 };
  Storage storage;
  void* keys;
  void* values;
  int64_t capacity;
};

// x: B * T rows of d_model floats (row b * T + t), the residual stream of
// each sequence's T new tokens, updated in place. `cache` is filled up to
// `past`; token t is written at past + t and attends causally. T is 1 for a
// generation step, the prompt's length for a prompt or a window's refill.
void decoder_layer_step(const DecoderWeights& w, const DecoderLayerWeights& layer, float* x, int64_t B, int64_t T,
                        const StepCache& cache, int64_t past);

// logits: B rows of w.vocab floats = head(final_ln(x)) (B counts every row).
void decoder_head(const DecoderWeights& w, const float* x, int64_t B, float* logits);

}  // namespace emopiano::kernels
