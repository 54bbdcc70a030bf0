// The network: a decoder-only, pre-LayerNorm Transformer over REMI tokens,
// conditioned on emotion and on the key in force by embeddings added at
// every position.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/key_code.hpp"

#include "emopiano/model.hpp"
#include "model/row_dropout.hpp"

namespace emopiano {

namespace kernels {
struct DecoderWeights;  // src/kernels/decoder_weights.hpp
}  // namespace kernels

// Keys and values of the tokens seen so far, one buffer per layer, each
// [B, K/V heads, context_length, head_dim] and filled up to `length`: new
// tokens are written in place, so a step never copies the prefix. Float32,
// or bf16 when the network is prepared for bf16 generation.
struct KVCache {
  std::vector<torch::Tensor> keys, values;
  // Terms a model adds to each block's input that stay fixed for the whole
  // sequence (the VAE's z through its per-block maps), computed once.
  std::vector<torch::Tensor> block_inputs;
  int64_t length = 0;
  void clear();
};

// One pre-LayerNorm block: x + attn(ln1(x)), then x + ffn(ln2(x)).
struct TransformerBlockImpl : torch::nn::Module {
  // kv_heads: heads of keys and values, a divisor of n_heads (0: n_heads).
  TransformerBlockImpl(int64_t d_model, int64_t n_heads, int64_t d_ff, double dropout, int64_t kv_heads = 0);
  // x [B, T, d_model]. Without a cache (null buffers) the T tokens attend
  // causally among themselves. With one, their keys and values are written to
  // the buffers at [past, past + T) (allocated with `capacity` positions on
  // first use) and they attend to positions [0, past + T), or to their
  // windows of them (attention_window).
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor* key_cache, torch::Tensor* value_cache, int64_t past,
                        int64_t capacity);

  int64_t n_heads, n_kv_heads, head_dim;
  int64_t attention_window = 0;  // ModelConfig::attention_window: 0 sees every key before it
  double attn_dropout;           // applied inside detail::causal_softmax, in training
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, ff1{nullptr}, ff2{nullptr};
  detail::RowDropout resid_dropout{nullptr};
};
TORCH_MODULE(TransformerBlock);

struct EmotionTransformerImpl : torch::nn::Module {
  EmotionTransformerImpl(const ModelConfig& config, int64_t vocab_size, int64_t positions_per_bar);
  // tokens, bars, positions: int64 [B, T]; emotion: float [B, T, 4], a probability mix per token;
  // keys: int64 [B, T], the key in force after each token as key_code(), or
  // undefined for "no key" at every position.
  // Returns logits float [B, T, vocab]. Causal. Used by the trainer (train mode) and for tests.
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& bars, const torch::Tensor& positions,
                        const torch::Tensor& emotion, const torch::Tensor& keys = {});
  // Same for T new tokens that follow the cached prefix; appends to the cache.
  // The absolute position of the first new token is cache.length.
  torch::Tensor forward_cached(const torch::Tensor& tokens, const torch::Tensor& bars, const torch::Tensor& positions,
                               const torch::Tensor& emotion, KVCache& cache, const torch::Tensor& keys = {});

  // Deterministic initialisation from `seed` (Model::create calls it).
  void init_weights(uint64_t seed);

  // bf16: packs a copy of the weights for the one-new-token step, which then
  // runs fused on raw buffers (src/kernels/decoder_step.hpp) in eval mode
  // without gradients, with new caches in bf16 or, with `kv_cache` int8, in
  // int8 rows (src/kernels/int8_cache_rows.hpp: a cache of [B, H, capacity,
  // head_dim + 4] bytes). f32: drops it; every step runs in LibTorch in
  // float32 with a float cache. Call before the network is shared between
  // threads; train(true) drops the copy, since the weights are about to change.
  void prepare_generation(InferencePrecision precision, KvCacheStorage kv_cache = KvCacheStorage::bf16);
  InferencePrecision generation_precision() const;
  KvCacheStorage kv_cache_storage() const;
  void train(bool on = true) override;

  ModelConfig config;
  int64_t vocab_size, positions_per_bar;
  torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr}, bar_embedding{nullptr},
      bar_position_embedding{nullptr};
  torch::Tensor emotion_embedding;  // [4, d_model]: mix @ this
  // [kKeyCodes, d_model]: row 0 is "no key" (the null condition), row
  // 1 + key_index(k) the key k. Model files written before it existed load
  // with it all zero, which leaves their output unchanged.
  torch::Tensor key_embedding;
  detail::RowDropout embedding_dropout{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm final_ln{nullptr};
  torch::nn::Linear head{nullptr};

 private:
  void check_inputs(const torch::Tensor& tokens, const torch::Tensor& bars, const torch::Tensor& positions,
                    const torch::Tensor& emotion, const torch::Tensor& keys, int64_t start) const;
  // The fused path: eval, no gradients, decoder_weights_ set, and a cache it
  // wrote (or none yet): a generation step (T 1) or a prompt (T tokens).
  bool can_decode_step(const torch::Tensor& tokens, const KVCache& cache) const;
  torch::Tensor decode_step(const torch::Tensor& tokens, const torch::Tensor& bars, const torch::Tensor& positions,
                            const torch::Tensor& emotion, const torch::Tensor& keys, KVCache& cache);
  torch::Tensor embed(const torch::Tensor& tokens, const torch::Tensor& bars, const torch::Tensor& positions,
                      const torch::Tensor& emotion, const torch::Tensor& keys, int64_t start);
  torch::Tensor run(torch::Tensor x, KVCache* cache);
  // A cache buffer of one layer for the fused step: its keys (bf16 in
  // panels, key_panels.hpp, or int8 rows) or its values (bf16 or int8 rows).
  torch::Tensor empty_step_cache(int64_t batch, bool keys) const;
  std::vector<int64_t> step_cache_shape(int64_t batch, bool keys) const;

  std::shared_ptr<const kernels::DecoderWeights> decoder_weights_;
  KvCacheStorage kv_cache_ = KvCacheStorage::bf16;
};
TORCH_MODULE(EmotionTransformer);

}  // namespace emopiano
