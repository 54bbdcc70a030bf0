// EmotionVae::with_weights_from: a VAE started from another, trained one.
// Used to give a trained VAE a part it lacks (latent_every_block, more
// encoder or decoder layers) and train on, rather than start over: every
// parameter of the same name and shape is copied, the new parts keep their
// initialisation, except that a block the trained VAE lacks starts as the
// identity (its two residual projections at zero; the blocks are pre-LayerNorm,
// so x + 0 + 0). With the per-block maps of z also at zero, the copy encodes
// and decodes as the trained VAE does until it is trained.
#include <map>
#include <string>

#include <fmt/core.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano {

EmotionVae EmotionVae::with_weights_from(const EmotionVae& trained) const {
  const VaeConfig& ours = impl_->config;
  const VaeConfig& theirs = trained.config();
  if (ours.d_model != theirs.d_model || ours.n_heads != theirs.n_heads || ours.d_ff != theirs.d_ff ||
      ours.latent_dim != theirs.latent_dim) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("the trained VAE ({} wide, {} heads, d_ff {}, latent {}) and this one ({} wide, {} heads, "
                            "d_ff {}, latent {}) differ: a VAE can start only from one of its own width and latent",
                            theirs.d_model, theirs.n_heads, theirs.d_ff, theirs.latent_dim, ours.d_model, ours.n_heads,
                            ours.d_ff, ours.latent_dim));
  }
  if (!(impl_->tokenizer->config() == trained.tokenizer().config()))
    throw Error(ErrorCode::invalid_argument, "the trained VAE has another tokenizer: its token rows would not match");
  EmotionVae copy = detail::copy_vae(*this);
  torch::NoGradGuard no_grad;
  // Parameters only: the latent's quadrant means and attribute vectors
  // describe the trained VAE's latent space, which training moves; they are
  // computed again for the new one (vae-attributes).
  std::map<std::string, torch::Tensor> from;
  for (const auto& item : impl_of(trained).net->named_parameters(true)) from.emplace(item.key(), item.value());
  auto& net = *impl_of(copy).net;
  for (auto& item : net.named_parameters(true)) {
    const auto it = from.find(item.key());
    if (it != from.end() && it->second.sizes() == item.value().sizes()) item.value().copy_(it->second);
  }
  auto start_new_blocks_as_identity = [&](torch::nn::ModuleList& list, const std::string& prefix) {
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string name = fmt::format("{}.{}.", prefix, i);
      if (from.count(name + "proj.weight") != 0) continue;
      for (auto& item : list[i]->named_parameters(true))
        if (item.key().rfind("proj.", 0) == 0 || item.key().rfind("ff2.", 0) == 0) item.value().zero_();
    }
  };
  start_new_blocks_as_identity(net.encoder, "encoder");
  start_new_blocks_as_identity(net.blocks, "blocks");
  return copy;
}

}  // namespace emopiano
