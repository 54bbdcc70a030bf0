// A small decoder-only VAE configuration and random teacher-forced inputs for
// it, for tests that call the VAE's network directly.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "emopiano/vae.hpp"

namespace emopiano::test {

// Two decoder layers, 32 wide, an 8-dimensional latent, 40-token segments, no dropout.
inline VaeConfig small_decoder_vae() {
  VaeConfig c;
  c.encoder_layers = 1;
  c.decoder_layers = 2;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 64;
  c.latent_dim = 8;
  c.segment_bars = 1;
  c.max_segment_tokens = 40;
  c.dropout = 0.0f;
  return c;
}

struct DecoderInputs {
  torch::Tensor tokens, bars, positions, emotion, z;
};

// Two rows of T random tokens in bar 0, one with a quadrant's emotion, one
// with a mix; z ~ N(0, I) of latent_dim dimensions.
inline DecoderInputs decoder_inputs(int64_t vocab, int64_t T, int64_t latent_dim, uint64_t seed) {
  torch::manual_seed(seed);
  DecoderInputs in;
  in.tokens = torch::randint(0, vocab, {2, T}, torch::kLong);
  in.bars = torch::zeros({2, T}, torch::kLong);
  in.positions = torch::randint(0, 4, {2, T}, torch::kLong);
  in.emotion = torch::tensor({1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.25f, 0.25f, 0.5f}).view({2, 4});
  in.z = torch::randn({2, latent_dim});
  return in;
}

}  // namespace emopiano::test
