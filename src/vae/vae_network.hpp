// The conditional VAE's networks: a Transformer encoder giving q(z | segment,
// emotion) and a Transformer decoder giving p(segment | z, emotion).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <utility>

#include "emopiano/vae.hpp"
#include "model/emotion_transformer.hpp"

namespace emopiano {

// A bidirectional pre-LayerNorm block with a key padding mask, for the
// encoder. (LibTorch 1.13's TransformerEncoder cannot apply its padding mask
// under bfloat16 autocast on the CPU: masked_fill has no bf16 kernel there.)
struct EncoderBlockImpl : torch::nn::Module {
  EncoderBlockImpl(int64_t d_model, int64_t n_heads, int64_t d_ff, double dropout);
  // x [B, S, d]; key_bias [B, 1, 1, S]: 0 for real tokens, -inf for padding.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias);

  int64_t n_heads, head_dim;
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, ff1{nullptr}, ff2{nullptr};
  detail::RowDropout dropout{nullptr};
};
TORCH_MODULE(EncoderBlock);

// Musical attributes with a latent attribute vector each (MusicVAE), in this
// order: note density, pitch range, syncopation, mode (major against minor).
constexpr int64_t kVaeAttributes = 4;

struct VaeNetworkImpl : torch::nn::Module {
  VaeNetworkImpl(const VaeConfig& config, int64_t vocab_size, int64_t positions_per_bar);

  // tokens, bars, positions: int64 [B, T], the segment without BOS and its
  // emotion token; padding: bool [B, T], true at padding; emotion: float [B, 4].
  // Returns the posterior's mean and log-variance, each [B, latent_dim].
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& tokens, const torch::Tensor& bars,
                                                 const torch::Tensor& positions, const torch::Tensor& padding,
                                                 const torch::Tensor& emotion);

  // Teacher-forced decoder: tokens, bars, positions int64 [B, T] (from BOS),
  // emotion [B, 4], z [B, latent_dim]. Returns logits [B, T, vocab]. Causal.
  torch::Tensor decode(const torch::Tensor& tokens, const torch::Tensor& bars, const torch::Tensor& positions,
                       const torch::Tensor& emotion, const torch::Tensor& z);
  // The same for T tokens after the cached prefix; appends to the cache.
  torch::Tensor decode_cached(const torch::Tensor& tokens, const torch::Tensor& bars, const torch::Tensor& positions,
                              const torch::Tensor& emotion, const torch::Tensor& z, KVCache& cache);

  void init_weights(uint64_t seed);

  VaeConfig config;
  int64_t vocab_size, positions_per_bar, max_bar_index;
  // Token representation shared by encoder and decoder.
  torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr}, bar_embedding{nullptr},
      bar_position_embedding{nullptr};
  // Encoder: the emotion's two distribution tokens (as ACTOR), mixed by the
  // emotion's probabilities, in front of the segment.
  torch::Tensor mean_tokens, variance_tokens;  // [4, d_model] each
  torch::nn::ModuleList encoder{nullptr};      // EncoderBlocks
  torch::nn::LayerNorm encoder_ln{nullptr};
  torch::nn::Linear to_mean{nullptr}, to_log_variance{nullptr};
  // encoder_summary_tokens > 0: learnt positions behind the distribution
  // tokens; their outputs, concatenated, add to the mean and log-variance.
  torch::Tensor summary_tokens;  // [K, d_model]
  torch::nn::Linear summary_to_mean{nullptr}, summary_to_log_variance{nullptr};
  // Decoder.
  torch::Tensor decoder_emotion;                 // [4, d_model]: mix @ this, added at every position
  torch::nn::Linear latent_projection{nullptr};  // z -> d_model, added at every position
  torch::nn::Linear latent_memory{nullptr};      // z -> latent_tokens x d_model in front (if latent_tokens > 0)
  torch::nn::ModuleList latent_blocks{nullptr};  // z -> d_model per block, added to its input (latent_every_block)
  detail::RowDropout embedding_dropout{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm final_ln{nullptr};
  torch::nn::Linear head{nullptr};
  // Mean posterior mean of the training segments of each quadrant, and how
  // many segments it is over (0 = not computed): the attribute vectors.
  torch::Tensor quadrant_means;   // [4, latent_dim]
  torch::Tensor quadrant_counts;  // [4]
  // For each attribute (kVaeAttributes), the mean posterior mean of the
  // training segments in its top quartile minus that of its bottom quartile,
  // and how many segments each quartile holds (0 = not computed). Files
  // written before they existed load with them zero.
  torch::Tensor attribute_vectors;  // [kVaeAttributes, latent_dim]
  torch::Tensor attribute_counts;   // [kVaeAttributes]

 private:
  torch::Tensor embed(const torch::Tensor& tokens, const torch::Tensor& bars, const torch::Tensor& positions,
                      int64_t start);
  torch::Tensor run_decoder(torch::Tensor x, const torch::Tensor& z, KVCache* cache);
  // The decoder's input for tokens after `start` segment positions: their
  // embeddings plus the condition, behind z's memory positions when start is 0.
  torch::Tensor decoder_input(const torch::Tensor& tokens, const torch::Tensor& bars, const torch::Tensor& positions,
                              const torch::Tensor& emotion, const torch::Tensor& z, int64_t start);
};
TORCH_MODULE(VaeNetwork);

// The reparameterisation trick: mean + exp(log_variance / 2) * eps with
// eps ~ N(0, I) from LibTorch's default generator, differentiable in both.
torch::Tensor reparameterise(const torch::Tensor& mean, const torch::Tensor& log_variance);

}  // namespace emopiano
