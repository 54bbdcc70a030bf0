// Inputs and FLOP counts the network benchmarks share.
#pragma once

#include <torch/torch.h>

#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"  // set_compute_threads

namespace emopiano::bench {

struct NetInputs {
  torch::Tensor tokens, bars, positions, emotion, targets;
};

// Random but well-formed inputs [B, T] for a model's vocabulary.
inline NetInputs random_inputs(const Model& model, int64_t B, int64_t T, uint64_t seed = 1) {
  auto gen = at::detail::createCPUGenerator(seed);
  const int64_t vocab = model.tokenizer().vocab_size();
  NetInputs in;
  in.tokens = torch::randint(3, vocab, {B, T}, gen, torch::kLong);
  in.targets = torch::randint(3, vocab, {B, T}, gen, torch::kLong);
  in.bars = torch::arange(T, torch::kLong).div(32, "floor").expand({B, T}).contiguous();
  in.positions = torch::arange(T, torch::kLong).remainder(16).expand({B, T}).contiguous();
  in.emotion = torch::zeros({B, T, 4});
  in.emotion.select(2, 0).fill_(1.0f);
  return in;
}

// Multiply-adds x 2 of one forward pass over B x T tokens: the matrix
// products (QKV, output projection, feed-forward, head) and the attention
// (Q.K^T and weights.V over the full T x T square, as the training path
// computes it before masking). Embedding lookups, norms and softmax are not counted.
inline double forward_flops(const ModelConfig& c, int64_t vocab, int64_t B, int64_t T) {
  const double d = c.d_model, L = c.n_layers, ff = c.d_ff;
  const double matmul_params = L * (4 * d * d + 2 * d * ff) + d * static_cast<double>(vocab);
  const double per_token = 2 * matmul_params + L * 4 * static_cast<double>(T) * d;
  return per_token * static_cast<double>(B * T);
}

}  // namespace emopiano::bench
