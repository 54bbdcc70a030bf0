// The weights a generation step reads, packed for it: every matrix of the
// pre-LayerNorm Transformer blocks and the output head in bf16 panels
// (PackedMatrix), LayerNorm parameters and biases in float32. Built once
// when a model is prepared for generation; read-only afterwards, so one copy
// serves any number of threads.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/packed_matrix.hpp"

namespace emopiano::kernels {

struct LayerNormWeights {
  std::vector<float> weight, bias;
  float eps = 1e-5f;
};

struct DecoderLayerWeights {
  LayerNormWeights ln1, ln2;
  PackedMatrix qkv, proj, ff1, ff2;  // [qkv_width, d], [d, d], [d_ff, d], [d, d_ff]
  std::vector<float> qkv_bias, proj_bias, ff1_bias, ff2_bias;
};

struct DecoderWeights {
  int64_t d_model = 0, n_heads = 0, n_kv_heads = 0, d_ff = 0, vocab = 0;
  int64_t attention_window = 0;  // a sliding window (attention_window.hpp), 0 for none
  std::vector<DecoderLayerWeights> layers;
  LayerNormWeights final_ln;
  PackedMatrix head;  // [vocab, d]
  std::vector<float> head_bias;

  int64_t bytes() const;                                                      // what one step reads of the weights
  int64_t kv_heads() const { return n_kv_heads > 0 ? n_kv_heads : n_heads; }  // 0: n_heads
  // The queries, keys and values of a token: d + 2 d kv_heads / n_heads.
  int64_t qkv_width() const { return d_model + 2 * (d_model / n_heads) * kv_heads(); }
};

}  // namespace emopiano::kernels
