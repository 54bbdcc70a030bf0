// Decoder-only pre-LayerNorm Transformer with emotion, bar and
// position-in-bar embeddings. Attention is written out (fused QKV projection,
// matmul, causal mask, softmax) because LibTorch 1.13 has no fused
// scaled-dot-product attention; with a K/V cache only the new tokens are
// projected and the prefix is never recomputed.
#include "model/emotion_transformer.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "kernels/decoder_step.hpp"
#include "kernels/int8_cache_rows.hpp"
#include "kernels/key_panels.hpp"
#include "model/causal_attention.hpp"
#include "model/single_query_attention.hpp"

namespace emopiano {

namespace {

// A linear layer. One row (batch 1, one new token: every generation step)
// goes through matrix-vector BLAS: OpenBLAS runs a one-row matrix product
// through its general kernel, which first copies (packs) the whole weight
// matrix, and that copy was 70% of a generation step.
torch::Tensor linear(torch::nn::Linear& layer, const torch::Tensor& x) {
  const auto& w = layer->weight;
  if (x.numel() == w.size(1) && !(torch::GradMode::is_enabled() && w.requires_grad())) {
    auto sizes = x.sizes().vec();
    sizes.back() = w.size(0);
    return at::addmv(layer->bias, w, x.reshape({-1})).view(sizes);
  }
  return layer(x);
}

}  // namespace

void KVCache::clear() {
  keys.clear();
  values.clear();
  block_inputs.clear();
  length = 0;
}

TransformerBlockImpl::TransformerBlockImpl(int64_t d_model, int64_t heads, int64_t d_ff, double dropout,
                                           int64_t kv_heads)
    : n_heads(heads), n_kv_heads(kv_heads > 0 ? kv_heads : heads), head_dim(d_model / heads), attn_dropout(dropout) {
  ln1 = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  // One projection makes the queries, then the keys, then the values.
  qkv = register_module("qkv", torch::nn::Linear(d_model, d_model + 2 * n_kv_heads * head_dim));
  proj = register_module("proj", torch::nn::Linear(d_model, d_model));
  ln2 = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  ff1 = register_module("ff1", torch::nn::Linear(d_model, d_ff));
  ff2 = register_module("ff2", torch::nn::Linear(d_ff, d_model));
  resid_dropout = register_module("resid_dropout", detail::RowDropout(dropout));
}

namespace {

// rows [B, H, T, D] into positions [past, past + T) of an int8 cache [B, H,
// capacity, int8_row_bytes(D)], quantised as the fused step quantises.
void write_int8_rows(torch::Tensor& cache, const torch::Tensor& rows, int64_t past) {
  TORCH_CHECK(cache.is_contiguous(), "an int8 K/V cache must be contiguous");
  const auto src = rows.detach().to(torch::kFloat).contiguous();
  const int64_t B = src.size(0), H = src.size(1), T = src.size(2), D = src.size(3);
  const int64_t capacity = cache.size(2), R = cache.size(3);
  const float* in = src.data_ptr<float>();
  int8_t* out = cache.data_ptr<int8_t>();
  for (int64_t bh = 0; bh < B * H; ++bh) {
    for (int64_t t = 0; t < T; ++t)
      kernels::quantize_int8_row(in + (bh * T + t) * D, D, out + (bh * capacity + past + t) * R);
  }
}

// The step cache's bf16 keys [B, H, key_head_values(capacity, D)] in
// panels (key_panels.hpp) seen as [B, H, panels, 16, (D + 1) / 2, 2]: no copy.
torch::Tensor key_panels_view(const torch::Tensor& panels, int64_t D) {
  const int64_t pairs = (D + 1) / 2, positions = kernels::kPanelPositions;
  return panels.view({panels.size(0), panels.size(1), -1, pairs, positions, 2}).permute({0, 1, 2, 4, 3, 5});
}

// keys [B, H, T, D] into positions [past, past + T) of bf16 key panels.
void write_key_panels(torch::Tensor& panels, const torch::Tensor& keys, int64_t past) {
  const int64_t D = keys.size(3), pairs = (D + 1) / 2, positions = kernels::kPanelPositions;
  auto view = key_panels_view(panels, D);
  auto padded = torch::constant_pad_nd(keys.detach().to(torch::kBFloat16), {0, 2 * pairs - D});
  for (int64_t t = 0; t < keys.size(2); ++t) {
    const int64_t s = past + t;
    view.select(2, s / positions)
        .select(2, s % positions)
        .copy_(padded.select(2, t).view({keys.size(0), keys.size(1), pairs, 2}));
  }
}

// Positions [0, S) of bf16 key panels as rows [B, H, S, D].
torch::Tensor read_key_panels(const torch::Tensor& panels, int64_t S, int64_t D) {
  const int64_t pairs = (D + 1) / 2;
  auto rows = key_panels_view(panels, D).reshape({panels.size(0), panels.size(1), -1, 2 * pairs});
  return rows.narrow(2, 0, S).narrow(3, 0, D);
}

// The float values [B, H, S, D] of int8 cache rows [B, H, S, int8_row_bytes(D)].
torch::Tensor read_int8_rows(const torch::Tensor& rows, int64_t D) {
  auto scales = rows.narrow(3, D, 4).contiguous().view(torch::kFloat);  // [B, H, S, 1]
  return rows.narrow(3, 0, D).to(torch::kFloat) * scales;
}

}  // namespace

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x, torch::Tensor* key_cache,
                                            torch::Tensor* value_cache, int64_t past, int64_t capacity) {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  auto qkv_rows = linear(qkv, ln1(x));
  if (key_cache && T == 1 && !is_training() && !torch::GradMode::is_enabled() &&
      qkv_rows.scalar_type() == torch::kFloat &&
      (!key_cache->defined() || (key_cache->is_contiguous() && key_cache->scalar_type() == torch::kFloat))) {
    // One new token per sequence: the generation step. Attention on raw buffers.
    if (!key_cache->defined()) {
      *key_cache = torch::empty({B, n_kv_heads, capacity, head_dim}, x.options());
      *value_cache = torch::empty({B, n_kv_heads, capacity, head_dim}, x.options());
    }
    auto rows = qkv_rows.contiguous();
    auto y = torch::empty({B, 1, C}, x.options());
    detail::single_query_attention(rows.data_ptr<float>(), B, n_heads, n_kv_heads, head_dim,
                                   key_cache->data_ptr<float>(), value_cache->data_ptr<float>(), key_cache->size(2),
                                   past, y.data_ptr<float>(), attention_window);
    auto h = x + linear(proj, y);
    return h + linear(ff2, torch::gelu(linear(ff1, ln2(h))));
  }
  // [B, T, H + 2 KVH, D] -> [B, H, T, D], 2 x [B, KVH, T, D]
  const auto heads = qkv_rows.view({B, T, n_heads + 2 * n_kv_heads, head_dim}).transpose(1, 2);
  auto q = heads.narrow(1, 0, n_heads);
  auto k = heads.narrow(1, n_heads, n_kv_heads);
  auto v = heads.narrow(1, n_heads + n_kv_heads, n_kv_heads);
  if (key_cache) {
    if (!key_cache->defined()) {
      *key_cache = torch::empty({B, n_kv_heads, capacity, head_dim}, x.options());
      *value_cache = torch::empty({B, n_kv_heads, capacity, head_dim}, x.options());
    }
    if (key_cache->scalar_type() == torch::kChar) {  // an int8 cache (prepare_generation)
      write_int8_rows(*key_cache, k, past);
      write_int8_rows(*value_cache, v, past);
      k = read_int8_rows(key_cache->slice(2, 0, past + T), head_dim).to(q.scalar_type());
      v = read_int8_rows(value_cache->slice(2, 0, past + T), head_dim).to(q.scalar_type());
    } else if (key_cache->scalar_type() == torch::kBFloat16 && key_cache->dim() == 3) {  // the bf16 step cache
      write_key_panels(*key_cache, k, past);
      value_cache->slice(2, past, past + T).copy_(v);
      k = read_key_panels(*key_cache, past + T, head_dim).to(q.scalar_type());
      v = value_cache->slice(2, 0, past + T).to(q.scalar_type());
    } else {
      key_cache->slice(2, past, past + T).copy_(k);
      value_cache->slice(2, past, past + T).copy_(v);
      k = key_cache->slice(2, 0, past + T);
      v = value_cache->slice(2, 0, past + T);
      if (k.scalar_type() != q.scalar_type()) {  // a bf16 cache (prepare_generation)
        k = k.to(q.scalar_type());
        v = v.to(q.scalar_type());
      }
    }
  } else {
    past = 0;
  }
  if (n_kv_heads < n_heads) {  // each K/V head serves n_heads / n_kv_heads query heads in turn
    k = k.repeat_interleave(n_heads / n_kv_heads, 1);
    v = v.repeat_interleave(n_heads / n_kv_heads, 1);
  }

  // New token i sits at absolute position past + i and may see keys 0..past + i
  // (from window_first_key(past + i) with a window).
  auto y = detail::causal_attention(q, k, v, 1.0 / std::sqrt(static_cast<double>(head_dim)), past,
                                    is_training() ? attn_dropout : 0.0, detail::kAttentionQueryBlock, attention_window)
               .transpose(1, 2)
               .reshape({B, T, C});
  auto h = x + resid_dropout(linear(proj, y));
  auto ff = linear(ff2, torch::gelu(linear(ff1, ln2(h))));
  return h + resid_dropout(ff);
}

EmotionTransformerImpl::EmotionTransformerImpl(const ModelConfig& cfg, int64_t vocab, int64_t ppb)
    : config(cfg), vocab_size(vocab), positions_per_bar(ppb) {
  config.validate();
  if (vocab_size <= 0 || positions_per_bar <= 0) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("EmotionTransformer: vocab_size ({}) and positions_per_bar ({}) must be positive",
                            vocab_size, positions_per_bar));
  }
  const int64_t d = config.d_model;
  token_embedding = register_module("token_embedding", torch::nn::Embedding(vocab_size, d));
  position_embedding = register_module("position_embedding", torch::nn::Embedding(config.context_length, d));
  bar_embedding = register_module("bar_embedding", torch::nn::Embedding(config.max_bars, d));
  bar_position_embedding = register_module("bar_position_embedding", torch::nn::Embedding(positions_per_bar, d));
  emotion_embedding = register_parameter("emotion_embedding", torch::zeros({4, d}));
  key_embedding = register_parameter("key_embedding", torch::zeros({kKeyCodes, d}));
  embedding_dropout = register_module("embedding_dropout", detail::RowDropout(config.dropout));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < config.n_layers; ++i) {
    blocks->push_back(TransformerBlock(d, config.n_heads, config.d_ff, config.dropout, config.kv_heads()));
    blocks->ptr<TransformerBlockImpl>(static_cast<size_t>(i))->attention_window = config.attention_window;
  }
  final_ln = register_module("final_ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  head = register_module("head", torch::nn::Linear(d, vocab_size));
}

void EmotionTransformerImpl::init_weights(uint64_t seed) {
  // GPT-2 style: N(0, 0.02) weights, zero biases, unit LayerNorms, and the
  // projections into the residual stream scaled down by depth so the stream's
  // variance does not grow with the number of layers. A private generator
  // keeps this reproducible and free of global state.
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  const double std = 0.02;
  const double residual_std = std / std::sqrt(2.0 * config.n_layers);
  for (auto& item : named_parameters(true)) {
    const std::string& name = item.key();
    auto& p = item.value();
    auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (name.find("ln") != std::string::npos) {
      if (ends_with("weight"))
        p.fill_(1.0);
      else
        p.zero_();
    } else if (ends_with("bias")) {
      p.zero_();
    } else if (ends_with("proj.weight") || ends_with("ff2.weight")) {
      p.normal_(0.0, residual_std, gen);
    } else {
      p.normal_(0.0, std, gen);
    }
  }
}

void EmotionTransformerImpl::check_inputs(const torch::Tensor& tokens, const torch::Tensor& bars,
                                          const torch::Tensor& positions, const torch::Tensor& emotion,
                                          const torch::Tensor& keys, int64_t start) const {
  if (tokens.dim() != 2 || bars.sizes() != tokens.sizes() || positions.sizes() != tokens.sizes()) {
    throw Error(ErrorCode::invalid_argument, "EmotionTransformer: tokens, bars and positions must all be [B, T]");
  }
  const int64_t B = tokens.size(0), T = tokens.size(1);
  if (emotion.dim() != 3 || emotion.size(0) != B || emotion.size(1) != T || emotion.size(2) != 4) {
    throw Error(ErrorCode::invalid_argument, "EmotionTransformer: emotion must be [B, T, 4]");
  }
  if (keys.defined() && keys.sizes() != tokens.sizes()) {
    throw Error(ErrorCode::invalid_argument, "EmotionTransformer: keys must be [B, T] like the tokens");
  }
  if (T == 0) throw Error(ErrorCode::invalid_argument, "EmotionTransformer: no tokens");
  if (start + T > config.context_length) {
    throw Error(ErrorCode::invalid_argument, fmt::format("EmotionTransformer: {} tokens exceed the context length {}",
                                                         start + T, config.context_length));
  }
}

torch::Tensor EmotionTransformerImpl::embed(const torch::Tensor& tokens, const torch::Tensor& bars,
                                            const torch::Tensor& positions, const torch::Tensor& emotion,
                                            const torch::Tensor& keys, int64_t start) {
  check_inputs(tokens, bars, positions, emotion, keys, start);
  const int64_t T = tokens.size(1);
  auto pos = torch::arange(start, start + T, torch::TensorOptions().dtype(torch::kLong));
  auto x = token_embedding(tokens) + position_embedding(pos).unsqueeze(0) +
           bar_embedding(bars.clamp(0, config.max_bars - 1)) +
           bar_position_embedding(positions.clamp(0, positions_per_bar - 1)) +
           torch::matmul(emotion.to(torch::kFloat), emotion_embedding);
  if (keys.defined()) {
    x = x + torch::embedding(key_embedding, keys.clamp(0, kKeyCodes - 1));
  } else {
    x = x + key_embedding[0];
  }
  return embedding_dropout(x);
}

torch::Tensor EmotionTransformerImpl::run(torch::Tensor x, KVCache* cache) {
  const bool fresh = !cache || cache->keys.empty();
  if (cache && fresh) {
    cache->keys.assign(blocks->size(), torch::Tensor());
    cache->values.assign(blocks->size(), torch::Tensor());
    if (decoder_weights_) {
      // The fused path's cache (bf16 or int8): a step with gradients runs
      // here and reads and writes it, converting.
      for (size_t i = 0; i < blocks->size(); ++i) {
        cache->keys[i] = empty_step_cache(x.size(0), true);
        cache->values[i] = empty_step_cache(x.size(0), false);
      }
    }
  }
  for (size_t i = 0; i < blocks->size(); ++i) {
    auto block = blocks->ptr<TransformerBlockImpl>(i);
    if (cache) {
      x = block->forward(x, &cache->keys[i], &cache->values[i], cache->length, config.context_length);
    } else {
      x = block->forward(x, nullptr, nullptr, 0, 0);
    }
  }
  return linear(head, final_ln(x));
}

torch::Tensor EmotionTransformerImpl::forward(const torch::Tensor& tokens, const torch::Tensor& bars,
                                              const torch::Tensor& positions, const torch::Tensor& emotion,
                                              const torch::Tensor& keys) {
  return run(embed(tokens, bars, positions, emotion, keys, 0), nullptr);
}

torch::Tensor EmotionTransformerImpl::forward_cached(const torch::Tensor& tokens, const torch::Tensor& bars,
                                                     const torch::Tensor& positions, const torch::Tensor& emotion,
                                                     KVCache& cache, const torch::Tensor& keys) {
  if (!cache.keys.empty() && cache.keys[0].defined() && cache.keys[0].size(0) != tokens.size(0)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("EmotionTransformer: batch of {} does not match the cache's {}", tokens.size(0),
                            cache.keys[0].size(0)));
  }
  torch::Tensor logits = can_decode_step(tokens, cache)
                             ? decode_step(tokens, bars, positions, emotion, keys, cache)
                             : run(embed(tokens, bars, positions, emotion, keys, cache.length), &cache);
  cache.length += tokens.size(1);
  return logits;
}

namespace {

std::vector<float> floats_of(const torch::Tensor& t) {
  auto c = t.detach().to(torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

kernels::PackedMatrix packed(const torch::Tensor& weight) {
  auto c = weight.detach().to(torch::kFloat).contiguous();
  return kernels::PackedMatrix(c.data_ptr<float>(), c.size(0), c.size(1), c.size(1));
}

kernels::LayerNormWeights layer_norm_of(torch::nn::LayerNorm& ln) {
  return {floats_of(ln->weight), floats_of(ln->bias), static_cast<float>(ln->options.eps())};
}

}  // namespace

void EmotionTransformerImpl::prepare_generation(InferencePrecision precision, KvCacheStorage kv_cache) {
  if (precision == InferencePrecision::f32) {
    decoder_weights_.reset();
    kv_cache_ = KvCacheStorage::bf16;
    return;
  }
  kv_cache_ = kv_cache;
  torch::NoGradGuard no_grad;
  auto w = std::make_shared<kernels::DecoderWeights>();
  w->d_model = config.d_model;
  w->n_heads = config.n_heads;
  w->n_kv_heads = config.kv_heads();
  w->attention_window = config.attention_window;
  w->d_ff = config.d_ff;
  w->vocab = vocab_size;
  for (size_t i = 0; i < blocks->size(); ++i) {
    auto& b = *blocks->ptr<TransformerBlockImpl>(i);
    kernels::DecoderLayerWeights layer;
    layer.ln1 = layer_norm_of(b.ln1);
    layer.ln2 = layer_norm_of(b.ln2);
    layer.qkv = packed(b.qkv->weight);
    layer.proj = packed(b.proj->weight);
    layer.ff1 = packed(b.ff1->weight);
    layer.ff2 = packed(b.ff2->weight);
    layer.qkv_bias = floats_of(b.qkv->bias);
    layer.proj_bias = floats_of(b.proj->bias);
    layer.ff1_bias = floats_of(b.ff1->bias);
    layer.ff2_bias = floats_of(b.ff2->bias);
    w->layers.push_back(std::move(layer));
  }
  w->final_ln = layer_norm_of(final_ln);
  w->head = packed(head->weight);
  w->head_bias = floats_of(head->bias);
  decoder_weights_ = std::move(w);
}

InferencePrecision EmotionTransformerImpl::generation_precision() const {
  return decoder_weights_ ? InferencePrecision::bf16 : InferencePrecision::f32;
}

KvCacheStorage EmotionTransformerImpl::kv_cache_storage() const {
  return decoder_weights_ ? kv_cache_ : KvCacheStorage::bf16;
}

void EmotionTransformerImpl::train(bool on) {
  if (on) decoder_weights_.reset();
  torch::nn::Module::train(on);
}

std::vector<int64_t> EmotionTransformerImpl::step_cache_shape(int64_t batch, bool keys) const {
  const int64_t heads = config.kv_heads(), head_dim = config.d_model / config.n_heads;
  if (kv_cache_ == KvCacheStorage::int8)
    return {batch, heads, config.context_length, kernels::int8_row_bytes(head_dim)};
  if (keys) return {batch, heads, kernels::key_head_values(config.context_length, head_dim)};
  return {batch, heads, config.context_length, head_dim};
}

torch::Tensor EmotionTransformerImpl::empty_step_cache(int64_t batch, bool keys) const {
  return torch::empty(step_cache_shape(batch, keys),
                      kv_cache_ == KvCacheStorage::int8 ? torch::kChar : torch::kBFloat16);
}

bool EmotionTransformerImpl::can_decode_step(const torch::Tensor& tokens, const KVCache& cache) const {
  if (!decoder_weights_ || is_training() || torch::GradMode::is_enabled()) return false;
  if (tokens.dim() != 2 || tokens.size(1) < 1) return false;
  if (cache.keys.empty()) return true;
  const auto dtype = kv_cache_ == KvCacheStorage::int8 ? torch::kChar : torch::kBFloat16;
  for (size_t i = 0; i < cache.keys.size(); ++i) {
    const auto& k = cache.keys[i];
    const auto& v = cache.values[i];
    if (!k.defined() || !v.defined() || k.scalar_type() != dtype || v.scalar_type() != dtype || !k.is_contiguous() ||
        !v.is_contiguous() || k.dim() < 1 || k.sizes() != c10::IntArrayRef(step_cache_shape(k.size(0), true)) ||
        v.sizes() != c10::IntArrayRef(step_cache_shape(k.size(0), false))) {
      return false;
    }
  }
  return true;
}

torch::Tensor EmotionTransformerImpl::decode_step(const torch::Tensor& tokens, const torch::Tensor& bars,
                                                  const torch::Tensor& positions, const torch::Tensor& emotion,
                                                  const torch::Tensor& keys, KVCache& cache) {
  const int64_t start = cache.length;
  check_inputs(tokens, bars, positions, emotion, keys, start);
  const kernels::DecoderWeights& w = *decoder_weights_;
  const int64_t B = tokens.size(0), d = config.d_model;
  if (cache.keys.empty()) {
    cache.keys.assign(blocks->size(), torch::Tensor());
    cache.values.assign(blocks->size(), torch::Tensor());
    for (size_t i = 0; i < blocks->size(); ++i) {
      cache.keys[i] = empty_step_cache(B, true);
      cache.values[i] = empty_step_cache(B, false);
    }
  }

  // The embeddings, summed in the order embed() sums them; row b * T + t.
  const int64_t T = tokens.size(1);
  auto tok = tokens.to(torch::kLong).contiguous();
  auto bar = bars.to(torch::kLong).contiguous();
  auto pos = positions.to(torch::kLong).contiguous();
  auto emo = emotion.to(torch::kFloat).contiguous();
  torch::Tensor key = keys.defined() ? keys.to(torch::kLong).contiguous() : torch::Tensor();
  const float* token_rows = token_embedding->weight.data_ptr<float>();
  const float* position_rows = position_embedding->weight.data_ptr<float>();
  const float* bar_rows = bar_embedding->weight.data_ptr<float>();
  const float* bar_position_rows = bar_position_embedding->weight.data_ptr<float>();
  const float* emotion_rows = emotion_embedding.data_ptr<float>();
  const float* key_rows = key_embedding.data_ptr<float>();
  thread_local std::vector<float> stream;
  stream.resize(static_cast<size_t>(B * T * d));
  for (int64_t r = 0; r < B * T; ++r) {
    const int64_t t = tok.data_ptr<int64_t>()[r];
    if (t < 0 || t >= vocab_size) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("EmotionTransformer: token {} is outside the vocabulary of {}", t, vocab_size));
    }
    const float* tr = token_rows + t * d;
    const float* position_row = position_rows + (start + r % T) * d;
    const float* br = bar_rows + std::clamp<int64_t>(bar.data_ptr<int64_t>()[r], 0, config.max_bars - 1) * d;
    const float* pr = bar_position_rows + std::clamp<int64_t>(pos.data_ptr<int64_t>()[r], 0, positions_per_bar - 1) * d;
    const float* e = emo.data_ptr<float>() + r * 4;
    const int64_t k = key.defined() ? std::clamp<int64_t>(key.data_ptr<int64_t>()[r], 0, kKeyCodes - 1) : 0;
    const float* kr = key_rows + k * d;
    float* x = stream.data() + r * d;
    for (int64_t i = 0; i < d; ++i) {
      float mix = 0.0f;
      for (int q = 0; q < 4; ++q) mix += e[q] * emotion_rows[q * d + i];
      x[i] = tr[i] + position_row[i] + br[i] + pr[i] + mix + kr[i];
    }
  }

  const auto storage =
      kv_cache_ == KvCacheStorage::int8 ? kernels::StepCache::Storage::int8 : kernels::StepCache::Storage::bf16;
  for (size_t i = 0; i < blocks->size(); ++i) {
    const kernels::StepCache layer_cache{storage, cache.keys[i].data_ptr(), cache.values[i].data_ptr(),
                                         config.context_length};
    kernels::decoder_layer_step(w, w.layers[i], stream.data(), B, T, layer_cache, start);
  }
  auto logits = torch::empty({B, T, vocab_size}, torch::kFloat);
  kernels::decoder_head(w, stream.data(), B * T, logits.data_ptr<float>());
  return logits;
}

}  // namespace emopiano
