// The small VAE and the short plain-autoencoder training the VAE tests
// share: a model that trains in seconds and learns what z must carry.
#pragma once

#include <cstdint>

#include "emopiano/vae.hpp"

namespace emopiano::test {

inline VaeConfig tiny_vae(int segment_bars, int max_segment_tokens) {
  VaeConfig c;
  c.encoder_layers = 1;
  c.decoder_layers = 2;
  c.d_model = 64;
  c.n_heads = 2;
  c.d_ff = 128;
  c.latent_dim = 8;
  c.segment_bars = segment_bars;
  c.max_segment_tokens = max_segment_tokens;
  c.dropout = 0.0f;
  return c;
}

// No KL term, word dropout or transposition: these tests are about what z
// carries. No validation or checkpoints, one thread, float32.
inline VaeTrainerConfig autoencoder_training(int64_t steps, int64_t batch_size, double learning_rate) {
  VaeTrainerConfig c;
  c.max_steps = steps;
  c.batch_size = batch_size;
  c.learning_rate = learning_rate;
  c.warmup_steps = 10;
  c.max_beta = 0.0;
  c.free_bits = 0.0;
  c.word_dropout = 0.0;
  c.transpose_min = c.transpose_max = 0;
  c.eval_every = 0;
  c.checkpoint_every = 0;
  c.log_every = 1000;
  c.threads = 1;
  c.bf16 = Bf16Mode::off;
  return c;
}

}  // namespace emopiano::test
