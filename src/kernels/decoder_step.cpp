#include "kernels/decoder_step.hpp"

#include <algorithm>
#include <vector>

#include "kernels/bf16_cache_attention.hpp"
#include "kernels/gelu.hpp"
#include "kernels/gemv.hpp"
#include "kernels/int8_cache_attention.hpp"
#include "kernels/layer_norm.hpp"

namespace emopiano::kernels {

int64_t DecoderWeights::bytes() const {
  auto floats = [](const std::vector<float>& v) { return static_cast<int64_t>(v.size() * sizeof(float)); };
  auto norm = [&](const LayerNormWeights& ln) { return floats(ln.weight) + floats(ln.bias); };
  int64_t n = head.bytes() + floats(head_bias) + norm(final_ln);
  for (const auto& l : layers) {
    n += l.qkv.bytes() + l.proj.bytes() + l.ff1.bytes() + l.ff2.bytes() + floats(l.qkv_bias) + floats(l.proj_bias) +
         floats(l.ff1_bias) + floats(l.ff2_bias) + norm(l.ln1) + norm(l.ln2);
  }
  return n;
}

namespace {

// Per-thread buffers for the step's intermediate rows, grown on first use.
struct Scratch {
  std::vector<float> normed, qkv, attended, hidden;
  void reserve(const DecoderWeights& w, int64_t B) {
    normed.resize(static_cast<size_t>(B * w.d_model));
    qkv.resize(static_cast<size_t>(B * w.qkv_width()));
    attended.resize(static_cast<size_t>(B * w.d_model));
    hidden.resize(static_cast<size_t>(B * std::max(w.d_ff, w.d_model)));
  }
};

Scratch& scratch_for(const DecoderWeights& w, int64_t B) {
  thread_local Scratch s;
  s.reserve(w, B);
  return s;
}

}  // namespace

void decoder_layer_step(const DecoderWeights& w, const DecoderLayerWeights& layer, float* x, int64_t sequences,
                        int64_t T, const StepCache& cache, int64_t past) {
  const int64_t d = w.d_model, ff = w.d_ff, B = sequences * T;  // B: rows
  Scratch& s = scratch_for(w, B);
  // x + attn(ln1(x))
  for (int64_t b = 0; b < B; ++b) layer_norm(layer.ln1, x + b * d, d, s.normed.data() + b * d);
  const int64_t width = w.qkv_width(), head_dim = d / w.n_heads;
  gemv(layer.qkv, layer.qkv_bias.data(), s.normed.data(), d, s.qkv.data(), width, B);
  if (cache.storage == StepCache::Storage::int8) {
    int8_cache_attention(s.qkv.data(), width, sequences, w.n_heads, w.kv_heads(), head_dim,
                         static_cast<int8_t*>(cache.keys), static_cast<int8_t*>(cache.values), cache.capacity, past,
                         s.attended.data(), d, T, w.attention_window);
  } else {
    bf16_cache_attention(s.qkv.data(), width, sequences, w.n_heads, w.kv_heads(), head_dim,
                         static_cast<uint16_t*>(cache.keys), static_cast<uint16_t*>(cache.values), cache.capacity, past,
                         s.attended.data(), d, T, w.attention_window);
  }
  gemv(layer.proj, layer.proj_bias.data(), s.attended.data(), d, s.normed.data(), d, B);
  for (int64_t i = 0; i < B * d; ++i) x[i] += s.normed[static_cast<size_t>(i)];
  // x + ff2(gelu(ff1(ln2(x))))
  for (int64_t b = 0; b < B; ++b) layer_norm(layer.ln2, x + b * d, d, s.normed.data() + b * d);
  gemv(layer.ff1, layer.ff1_bias.data(), s.normed.data(), d, s.hidden.data(), ff, B);
  gelu(s.hidden.data(), B * ff);
  gemv(layer.ff2, layer.ff2_bias.data(), s.hidden.data(), ff, s.normed.data(), d, B);
  for (int64_t i = 0; i < B * d; ++i) x[i] += s.normed[static_cast<size_t>(i)];
}

void decoder_head(const DecoderWeights& w, const float* x, int64_t B, float* logits) {
  Scratch& s = scratch_for(w, B);
  for (int64_t b = 0; b < B; ++b) layer_norm(w.final_ln, x + b * w.d_model, w.d_model, s.normed.data() + b * w.d_model);
  gemv(w.head, w.head_bias.data(), s.normed.data(), w.d_model, logits, w.vocab, B);
}

}  // namespace emopiano::kernels
