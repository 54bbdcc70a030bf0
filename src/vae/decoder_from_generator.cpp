// EmotionVae::with_decoder_from and with_encoder_from: a VAE's decoder, or
// its encoder, started from a trained generator. The two networks share their
// block, their embeddings' layout and their output layer; they differ in
// vocabulary (the VAE's segments carry an emotion token, the generator's
// pieces a key token), in how many positions and bars they embed, and in
// how they are conditioned (the generator's key input has no counterpart; the
// VAE's z has none in the generator). So tensors are copied where they mean
// the same thing and rows are matched by what they stand for. A generator
// whose query heads share key/value heads (grouped-query attention) gives
// each VAE head the keys and values of its group: the same network.
#include <map>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "model/model_impl.hpp"
#include "model/tensor_container.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano {

namespace {

using Tensors = std::map<std::string, torch::Tensor>;

Tensors by_name(torch::nn::Module& module) {
  Tensors out;
  for (auto& [name, tensor] : detail::named_tensors(module)) out.emplace(name, tensor);
  return out;
}

// The generator's tensors, its qkv projections (weight [d + 2 KVH D, d], bias
// [d + 2 KVH D]) widened to one K/V head per query head: query head h takes
// the rows of K/V head h / (H / KVH), as grouped attention reads them.
Tensors generator_tensors(const Model& generator) {
  Tensors out = by_name(*impl_of(generator).net);
  const ModelConfig& g = generator.config();
  const int64_t kv = g.kv_heads();
  if (kv == g.n_heads) return out;
  const int64_t d = g.d_model, D = d / g.n_heads, group = g.n_heads / kv;
  for (auto& [name, tensor] : out) {
    if (name.find("qkv") == std::string::npos) continue;
    auto widen = [&](const torch::Tensor& heads) {  // [kv D, (d)] -> [H D, (d)]
      std::vector<int64_t> shape{kv, D};
      for (int64_t i = 1; i < heads.dim(); ++i) shape.push_back(heads.size(i));
      auto wide = heads.reshape(shape).repeat_interleave(group, 0);
      shape[0] = kv * group * D;
      shape.erase(shape.begin() + 1);
      return wide.reshape(shape);
    };
    tensor = torch::cat(
        {tensor.narrow(0, 0, d), widen(tensor.narrow(0, d, kv * D)), widen(tensor.narrow(0, d + kv * D, kv * D))});
  }
  return out;
}

// The leading rows both tensors have (positions, bars, positions in a bar).
void copy_leading_rows(torch::Tensor to, const torch::Tensor& from) {
  const int64_t rows = std::min(to.size(0), from.size(0));
  to.narrow(0, 0, rows).copy_(from.narrow(0, 0, rows));
}

void require_same_width(const ModelConfig& g, const VaeConfig& v, const char* part) {
  if (g.d_model != v.d_model || g.d_ff != v.d_ff || g.n_heads != v.n_heads) {
    throw Error(
        ErrorCode::invalid_argument,
        fmt::format("the generator ({} wide, {} heads, d_ff {}) and the VAE ({} wide, {} heads, d_ff {}) differ: "
                    "{} can start only from a generator of its own width",
                    g.d_model, g.n_heads, g.d_ff, v.d_model, v.n_heads, v.d_ff, part));
  }
}

}  // namespace

EmotionVae EmotionVae::with_decoder_from(const Model& generator) const {
  require_same_width(generator.config(), impl_->config, "a decoder");
  EmotionVae copy = detail::copy_vae(*this);
  auto& to_impl = impl_of(copy);
  auto& from_impl = impl_of(generator);
  torch::NoGradGuard no_grad;
  Tensors to = by_name(*to_impl.net);
  const Tensors from = generator_tensors(generator);

  // Whole tensors of the same name and shape: the blocks both have, the final
  // norm. The encoder's blocks are named encoder.N and stay as they are.
  for (auto& [name, tensor] : to) {
    const bool shared = name.rfind("blocks.", 0) == 0 || name.rfind("final_ln.", 0) == 0;
    const auto it = from.find(name);
    if (shared && it != from.end() && it->second.sizes() == tensor.sizes()) tensor.copy_(it->second);
  }
  to.at("decoder_emotion").copy_(from.at("emotion_embedding"));
  for (const char* name : {"position_embedding.weight", "bar_embedding.weight", "bar_position_embedding.weight"}) {
    copy_leading_rows(to.at(name), from.at(name));
  }

  // Token rows of the embedding and of the output layer, matched by name.
  const Tokenizer& theirs = *from_impl.tokenizer;
  const Tokenizer& ours = *to_impl.tokenizer;
  std::map<std::string, int64_t> their_ids;
  for (int32_t id = 0; id < theirs.vocab_size(); ++id) their_ids.emplace(theirs.token_to_string(id), id);
  for (int32_t id = 0; id < ours.vocab_size(); ++id) {
    const auto it = their_ids.find(ours.token_to_string(id));
    if (it == their_ids.end()) continue;
    to.at("token_embedding.weight")[id].copy_(from.at("token_embedding.weight")[it->second]);
    to.at("head.weight")[id].copy_(from.at("head.weight")[it->second]);
    to.at("head.bias")[id].copy_(from.at("head.bias")[it->second]);
  }
  return copy;
}

// The encoder's block has the decoder's tensors under the same names; it
// attends both ways where the generator's attends only back. Started from
// the generator's lower blocks (encoder.N from blocks.N), it reads a bar's
// notes from the first step: measured, a lead of some 300 steps over a random
// start (docs/vae.md).
EmotionVae EmotionVae::with_encoder_from(const Model& generator) const {
  require_same_width(generator.config(), impl_->config, "an encoder");
  EmotionVae copy = detail::copy_vae(*this);
  torch::NoGradGuard no_grad;
  Tensors to = by_name(*impl_of(copy).net);
  const Tensors from = generator_tensors(generator);
  const std::string prefix = "encoder.";
  for (auto& [name, tensor] : to) {
    if (name.rfind(prefix, 0) != 0) continue;
    const auto it = from.find("blocks." + name.substr(prefix.size()));
    if (it != from.end() && it->second.sizes() == tensor.sizes()) tensor.copy_(it->second);
  }
  return copy;
}

}  // namespace emopiano
