// Encoder and decoder of the conditional VAE. The decoder reuses the main
// model's pre-LayerNorm block (and its K/V cache); the encoder has the same
// blocks without the causal mask, with a padding mask instead.
//
// z enters the decoder added to every position (through a linear map), not
// as a prefix token: a strong autoregressive decoder can learn to ignore one
// prefix token, and then the posterior collapses; a term in every position's
// input keeps z one step from every prediction (as MusicVAE feeds z to every
// step of its decoder). With latent_tokens > 0, z is also mapped to that many
// memory positions in front of the segment: attention can read a particular
// part of z at the step that needs it (a note's pitch, say), where a single
// added vector must first be unpacked by the feed-forward layers. With
// latent_every_block, each block's input also gains its own linear map of z
// (zero at first, so a decoder started from the generator or from a trained
// VAE begins unchanged): the upper layers read z directly instead of through
// whatever the lower ones kept of it.
//
// The encoder summarises a segment in its distribution tokens' outputs: one
// d_model vector for the mean, however many notes the segment holds. With
// encoder_summary_tokens > 0 it also reads that many learnt positions, and
// their outputs, concatenated, reach the mean and log-variance through maps
// that start at zero: more room for a segment's notes on the way to z.
#include "vae/vae_network.hpp"

#include <cmath>
#include <limits>
#include <string>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano {

EncoderBlockImpl::EncoderBlockImpl(int64_t d_model, int64_t heads, int64_t d_ff, double p)
    : n_heads(heads), head_dim(d_model / heads) {
  ln1 = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  qkv = register_module("qkv", torch::nn::Linear(d_model, 3 * d_model));
  proj = register_module("proj", torch::nn::Linear(d_model, d_model));
  ln2 = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  ff1 = register_module("ff1", torch::nn::Linear(d_model, d_ff));
  ff2 = register_module("ff2", torch::nn::Linear(d_ff, d_model));
  dropout = register_module("dropout", detail::RowDropout(p));
}

torch::Tensor EncoderBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& key_bias) {
  const int64_t B = x.size(0), S = x.size(1), C = x.size(2);
  auto qkv_out = qkv(ln1(x)).view({B, S, 3, n_heads, head_dim}).permute({2, 0, 3, 1, 4});
  auto scores =
      torch::matmul(qkv_out[0], qkv_out[1].transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(head_dim)));
  // Adding the float bias (not masked_fill) also works under bf16 autocast.
  auto attn = dropout(torch::softmax(scores.to(torch::kFloat) + key_bias, -1));
  auto y = torch::matmul(attn, qkv_out[2].to(attn.scalar_type())).transpose(1, 2).reshape({B, S, C});
  auto h = x + dropout(proj(y));
  return h + dropout(ff2(torch::gelu(ff1(ln2(h)))));
}

VaeNetworkImpl::VaeNetworkImpl(const VaeConfig& cfg, int64_t vocab, int64_t ppb)
    : config(cfg), vocab_size(vocab), positions_per_bar(ppb), max_bar_index(cfg.segment_bars + 1) {
  config.validate();
  if (vocab_size <= 0 || positions_per_bar <= 0)
    throw Error(ErrorCode::invalid_argument, "VaeNetwork: vocab_size and positions_per_bar must be positive");
  const int64_t d = config.d_model;
  token_embedding = register_module("token_embedding", torch::nn::Embedding(vocab_size, d));
  // Two extra positions for the encoder's distribution tokens.
  position_embedding = register_module("position_embedding", torch::nn::Embedding(config.max_segment_tokens + 2, d));
  bar_embedding = register_module("bar_embedding", torch::nn::Embedding(max_bar_index + 1, d));
  bar_position_embedding = register_module("bar_position_embedding", torch::nn::Embedding(positions_per_bar, d));

  mean_tokens = register_parameter("mean_tokens", torch::zeros({4, d}));
  variance_tokens = register_parameter("variance_tokens", torch::zeros({4, d}));
  encoder = register_module("encoder", torch::nn::ModuleList());
  for (int i = 0; i < config.encoder_layers; ++i)
    encoder->push_back(EncoderBlock(d, config.n_heads, config.d_ff, config.dropout));
  encoder_ln = register_module("encoder_ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  to_mean = register_module("to_mean", torch::nn::Linear(d, config.latent_dim));
  to_log_variance = register_module("to_log_variance", torch::nn::Linear(d, config.latent_dim));
  if (const int64_t k = config.encoder_summary_tokens; k > 0) {
    summary_tokens = register_parameter("summary_tokens", torch::zeros({k, d}));
    summary_to_mean = register_module("summary_to_mean", torch::nn::Linear(k * d, config.latent_dim));
    summary_to_log_variance = register_module("summary_to_log_variance", torch::nn::Linear(k * d, config.latent_dim));
  }

  decoder_emotion = register_parameter("decoder_emotion", torch::zeros({4, d}));
  latent_projection = register_module("latent_projection", torch::nn::Linear(config.latent_dim, d));
  if (config.latent_tokens > 0)
    latent_memory = register_module("latent_memory", torch::nn::Linear(config.latent_dim, config.latent_tokens * d));
  if (config.latent_every_block) {
    latent_blocks = register_module("latent_blocks", torch::nn::ModuleList());
    for (int i = 0; i < config.decoder_layers; ++i) latent_blocks->push_back(torch::nn::Linear(config.latent_dim, d));
  }
  embedding_dropout = register_module("embedding_dropout", detail::RowDropout(config.dropout));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < config.decoder_layers; ++i)
    blocks->push_back(TransformerBlock(d, config.n_heads, config.d_ff, config.dropout));
  final_ln = register_module("final_ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  head = register_module("head", torch::nn::Linear(d, vocab_size));

  quadrant_means = register_buffer("quadrant_means", torch::zeros({4, config.latent_dim}));
  quadrant_counts = register_buffer("quadrant_counts", torch::zeros({4}));
  attribute_vectors = register_buffer("attribute_vectors", torch::zeros({kVaeAttributes, config.latent_dim}));
  attribute_counts = register_buffer("attribute_counts", torch::zeros({kVaeAttributes}));
}

void VaeNetworkImpl::init_weights(uint64_t seed) {
  // As the main model: N(0, 0.02), zero biases, unit norms, residual
  // projections scaled by depth. The log-variance head starts at zero so the
  // posterior starts as the prior's unit variance; the per-block maps of z
  // and the summary positions' maps start at zero so that they change nothing
  // until trained.
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  const double std = 0.02;
  const double residual_std = std / std::sqrt(2.0 * config.decoder_layers);
  for (auto& item : named_parameters(true)) {
    const std::string& name = item.key();
    auto& p = item.value();
    auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (name.find("norm") != std::string::npos || name.find("ln") != std::string::npos) {
      if (ends_with("weight"))
        p.fill_(1.0);
      else
        p.zero_();
    } else if (ends_with("bias")) {
      p.zero_();
    } else if (name.rfind("to_log_variance", 0) == 0 || name.rfind("latent_blocks", 0) == 0 ||
               name.rfind("summary_to_", 0) == 0) {
      p.zero_();
    } else if (ends_with("proj.weight") || ends_with("ff2.weight")) {
      p.normal_(0.0, residual_std, gen);
    } else {
      p.normal_(0.0, std, gen);
    }
  }
}

torch::Tensor VaeNetworkImpl::embed(const torch::Tensor& tokens, const torch::Tensor& bars,
                                    const torch::Tensor& positions, int64_t start) {
  if (tokens.dim() != 2 || bars.sizes() != tokens.sizes() || positions.sizes() != tokens.sizes())
    throw Error(ErrorCode::invalid_argument, "VaeNetwork: tokens, bars and positions must all be [B, T]");
  const int64_t T = tokens.size(1);
  if (T == 0) throw Error(ErrorCode::invalid_argument, "VaeNetwork: no tokens");
  if (start + T > config.max_segment_tokens + 2)
    throw Error(ErrorCode::invalid_argument, fmt::format("VaeNetwork: {} tokens exceed the segment length {}",
                                                         start + T, config.max_segment_tokens));
  auto pos = torch::arange(start, start + T, torch::TensorOptions().dtype(torch::kLong));
  return token_embedding(tokens) + position_embedding(pos).unsqueeze(0) + bar_embedding(bars.clamp(0, max_bar_index)) +
         bar_position_embedding(positions.clamp(0, positions_per_bar - 1));
}

std::pair<torch::Tensor, torch::Tensor> VaeNetworkImpl::encode(const torch::Tensor& tokens, const torch::Tensor& bars,
                                                               const torch::Tensor& positions,
                                                               const torch::Tensor& padding,
                                                               const torch::Tensor& emotion) {
  const int64_t B = tokens.size(0);
  if (emotion.dim() != 2 || emotion.size(0) != B || emotion.size(1) != 4)
    throw Error(ErrorCode::invalid_argument, "VaeNetwork::encode: emotion must be [B, 4]");
  if (padding.sizes() != tokens.sizes())
    throw Error(ErrorCode::invalid_argument, "VaeNetwork::encode: padding must be [B, T]");
  auto mix = emotion.to(torch::kFloat);
  auto dist = torch::stack({torch::matmul(mix, mean_tokens), torch::matmul(mix, variance_tokens)}, 1);  // [B, 2, d]
  auto two = torch::arange(0, 2, torch::TensorOptions().dtype(torch::kLong));
  dist = dist + position_embedding(two).unsqueeze(0);
  // The summary positions sit between the distribution tokens and the
  // segment, which keeps its position embeddings from 2 on.
  const int64_t k = config.encoder_summary_tokens;
  if (k > 0) dist = torch::cat({dist, summary_tokens.unsqueeze(0).expand({B, k, summary_tokens.size(1)})}, 1);
  auto x = torch::cat({dist, embed(tokens, bars, positions, 2)}, 1);
  x = embedding_dropout(x);
  auto pad = torch::cat({torch::zeros({B, 2 + k}, torch::TensorOptions().dtype(torch::kBool)), padding}, 1);
  auto key_bias = torch::zeros(pad.sizes(), torch::kFloat)
                      .masked_fill(pad, -std::numeric_limits<float>::infinity())
                      .view({B, 1, 1, pad.size(1)});
  auto h = x;
  for (size_t i = 0; i < encoder->size(); ++i) h = encoder->ptr<EncoderBlockImpl>(i)->forward(h, key_bias);
  h = encoder_ln(h);
  auto mean = to_mean(h.select(1, 0));
  auto log_variance = to_log_variance(h.select(1, 1));
  if (k > 0) {
    const auto summary = h.slice(1, 2, 2 + k).reshape({B, -1});
    mean = mean + summary_to_mean(summary);
    log_variance = log_variance + summary_to_log_variance(summary);
  }
  return {mean, log_variance};
}

torch::Tensor VaeNetworkImpl::run_decoder(torch::Tensor x, const torch::Tensor& z, KVCache* cache) {
  if (cache && cache->keys.empty()) {
    cache->keys.assign(blocks->size(), torch::Tensor());
    cache->values.assign(blocks->size(), torch::Tensor());
  }
  const int64_t capacity = config.max_segment_tokens + config.latent_tokens;
  // z's term for each block: once per segment when decoding step by step.
  auto latent_term = [&](size_t i) { return latent_blocks->ptr<torch::nn::LinearImpl>(i)->forward(z).unsqueeze(1); };
  if (cache && latent_blocks && cache->block_inputs.empty())
    for (size_t i = 0; i < blocks->size(); ++i) cache->block_inputs.push_back(latent_term(i));
  for (size_t i = 0; i < blocks->size(); ++i) {
    auto block = blocks->ptr<TransformerBlockImpl>(i);
    if (latent_blocks) x = x + (cache ? cache->block_inputs[i] : latent_term(i));
    x = cache ? block->forward(x, &cache->keys[i], &cache->values[i], cache->length, capacity)
              : block->forward(x, nullptr, nullptr, 0, 0);
  }
  return head(final_ln(x));
}

torch::Tensor VaeNetworkImpl::decoder_input(const torch::Tensor& tokens, const torch::Tensor& bars,
                                            const torch::Tensor& positions, const torch::Tensor& emotion,
                                            const torch::Tensor& z, int64_t start) {
  const int64_t B = tokens.size(0);
  if (emotion.dim() != 2 || emotion.size(0) != B || emotion.size(1) != 4)
    throw Error(ErrorCode::invalid_argument, "VaeNetwork::decode: emotion must be [B, 4]");
  if (z.dim() != 2 || z.size(0) != B || z.size(1) != config.latent_dim)
    throw Error(ErrorCode::invalid_argument, fmt::format("VaeNetwork::decode: z must be [B, {}]", config.latent_dim));
  auto condition = torch::matmul(emotion.to(torch::kFloat), decoder_emotion) + latent_projection(z);
  auto x = embed(tokens, bars, positions, start) + condition.unsqueeze(1);
  if (config.latent_tokens > 0 && start == 0) {
    auto memory = latent_memory(z).view({B, config.latent_tokens, config.d_model});
    x = torch::cat({memory.to(x.scalar_type()), x}, 1);
  }
  return embedding_dropout(x);
}

torch::Tensor VaeNetworkImpl::decode(const torch::Tensor& tokens, const torch::Tensor& bars,
                                     const torch::Tensor& positions, const torch::Tensor& emotion,
                                     const torch::Tensor& z) {
  auto logits = run_decoder(decoder_input(tokens, bars, positions, emotion, z, 0), z, nullptr);
  return config.latent_tokens > 0 ? logits.slice(1, config.latent_tokens) : logits;
}

torch::Tensor VaeNetworkImpl::decode_cached(const torch::Tensor& tokens, const torch::Tensor& bars,
                                            const torch::Tensor& positions, const torch::Tensor& emotion,
                                            const torch::Tensor& z, KVCache& cache) {
  // The cache holds z's memory positions (written by the first call) and then the segment's.
  const int64_t memory = config.latent_tokens;
  const int64_t start = cache.length == 0 ? 0 : cache.length - memory;
  if (start + tokens.size(1) > config.max_segment_tokens)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("VaeNetwork: a segment may not pass {} tokens", config.max_segment_tokens));
  auto x = decoder_input(tokens, bars, positions, emotion, z, start);
  auto logits = run_decoder(x, z, &cache);
  cache.length += x.size(1);
  return start == 0 && memory > 0 ? logits.slice(1, memory) : logits;
}

torch::Tensor reparameterise(const torch::Tensor& mean, const torch::Tensor& log_variance) {
  return mean + torch::exp(0.5 * log_variance) * torch::randn_like(mean);
}

}  // namespace emopiano
