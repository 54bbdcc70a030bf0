// EmotionVae::with_decoder_from and with_encoder_from: which tensors and rows
// come from the generator, which keep their initialisation, and that a
// generator of another width is refused.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <map>
#include <string>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "emopiano/vae.hpp"
#include "model/model_impl.hpp"
#include "model/tensor_container.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano {
namespace decoder_from_generator {
namespace {

using Tensors = std::map<std::string, torch::Tensor>;

Tensors tensors_of(torch::nn::Module& module) {
  Tensors out;
  for (auto& [name, t] : detail::named_tensors(module)) out.emplace(name, t.detach().clone());
  return out;
}
Tensors tensors_of(const EmotionVae& vae) { return tensors_of(*impl_of(vae).net); }
Tensors tensors_of(const Model& model) { return tensors_of(*impl_of(model).net); }

Model generator(int d_model, int n_heads = 2, int kv_heads = 0) {
  ModelConfig c;
  c.n_layers = 3;
  c.d_model = d_model;
  c.n_heads = n_heads;
  c.n_kv_heads = kv_heads;
  c.d_ff = 2 * d_model;
  c.context_length = 128;
  c.max_bars = 32;
  TokenizerConfig t;
  t.use_key = true;  // as the bundled generator: a key token, no emotion token
  t.emotion_token = false;
  return Model::create(c, t, 11);
}

EmotionVae vae(int n_heads = 2) {
  VaeConfig c;
  c.encoder_layers = 1;
  c.decoder_layers = 2;  // fewer than the generator's three
  c.d_model = 64;
  c.n_heads = n_heads;
  c.d_ff = 128;
  c.latent_dim = 8;
  c.segment_bars = 1;
  c.max_segment_tokens = 96;
  TokenizerConfig t;
  t.use_key = false;
  t.emotion_token = true;
  return EmotionVae::create(c, t, 5);
}

bool same(const torch::Tensor& a, const torch::Tensor& b) { return a.sizes() == b.sizes() && torch::equal(a, b); }

TEST(VaeDecoderFromGenerator, CopiesWhatMeansTheSameAndKeepsTheRest) {
  const Model gen = generator(64);
  const EmotionVae fresh = vae();
  const Tensors before = tensors_of(fresh);
  const EmotionVae started = fresh.with_decoder_from(gen);
  const Tensors g = tensors_of(gen), after = tensors_of(started);

  // The original is untouched: with_decoder_from returns a copy.
  for (const auto& [name, t] : tensors_of(fresh)) EXPECT_TRUE(same(t, before.at(name))) << name;

  int copied_blocks = 0;
  for (const auto& [name, t] : after) {
    if (name.rfind("blocks.", 0) == 0 || name.rfind("final_ln.", 0) == 0) {
      EXPECT_TRUE(same(t, g.at(name))) << name;
      copied_blocks += name.rfind("blocks.", 0) == 0;
    } else if (name.rfind("encoder.", 0) == 0 || name.rfind("to_mean.", 0) == 0 ||
               name.rfind("latent_projection.", 0) == 0 || name == "mean_tokens") {
      EXPECT_TRUE(same(t, before.at(name))) << name << " should keep its initialisation";
    }
  }
  EXPECT_EQ(copied_blocks, 2 * 12);  // two blocks of twelve tensors
  EXPECT_TRUE(same(after.at("decoder_emotion"), g.at("emotion_embedding")));
  const int64_t positions = after.at("position_embedding.weight").size(0);
  EXPECT_LT(positions, g.at("position_embedding.weight").size(0));
  EXPECT_TRUE(same(after.at("position_embedding.weight"), g.at("position_embedding.weight").narrow(0, 0, positions)));
  const int64_t bars = after.at("bar_embedding.weight").size(0);
  EXPECT_TRUE(same(after.at("bar_embedding.weight"), g.at("bar_embedding.weight").narrow(0, 0, bars)));

  // Token rows by name. The generator's vocabulary has key tokens the VAE's
  // lacks; every token of the VAE's is in it, at its own id.
  const Tokenizer& ours = started.tokenizer();
  const Tokenizer& theirs = gen.tokenizer();
  ASSERT_GT(theirs.vocab_size(), ours.vocab_size());
  for (int32_t o = 0; o < ours.vocab_size(); ++o) {
    const std::string token = ours.token_to_string(o);
    const int32_t t = theirs.token_from_string(token);
    EXPECT_TRUE(same(after.at("token_embedding.weight")[o], g.at("token_embedding.weight")[t])) << token;
    EXPECT_TRUE(same(after.at("head.weight")[o], g.at("head.weight")[t])) << token;
    EXPECT_TRUE(same(after.at("head.bias")[o], g.at("head.bias")[t])) << token;
  }
}

TEST(VaeDecoderFromGenerator, RefusesAGeneratorOfAnotherWidth) {
  try {
    (void)vae().with_decoder_from(generator(32));
    FAIL() << "a 32-wide generator was accepted for a 64-wide VAE";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("width"), std::string::npos) << e.what();
  }
}

TEST(VaeEncoderFromGenerator, CopiesTheFirstBlocksOnlyAndComposesWithTheDecoder) {
  const Model gen = generator(64);
  VaeConfig c = impl_of(vae()).config;
  c.encoder_layers = 4;  // more than the generator's three: the fourth keeps its own
  TokenizerConfig t;
  t.use_key = false;
  t.emotion_token = true;
  const EmotionVae fresh = EmotionVae::create(c, t, 5);
  const Tensors before = tensors_of(fresh);
  const EmotionVae both = fresh.with_decoder_from(gen).with_encoder_from(gen);
  const Tensors g = tensors_of(gen), after = tensors_of(both);
  for (const auto& [name, t] : tensors_of(fresh)) EXPECT_TRUE(same(t, before.at(name))) << name;

  int copied = 0;
  for (const auto& [name, t] : after) {
    if (name.rfind("encoder.", 0) != 0) continue;
    const std::string block = "blocks." + name.substr(std::string("encoder.").size());
    if (name.rfind("encoder.3.", 0) == 0) {
      EXPECT_FALSE(g.count(block)) << block;
      EXPECT_TRUE(same(t, before.at(name))) << name << " has no generator block to start from";
    } else {
      ASSERT_TRUE(g.count(block)) << block;
      EXPECT_TRUE(same(t, g.at(block))) << name;
      // Both start with zero biases and unit norms; their random matrices differ.
      const bool matrix =
          name.find(".ln") == std::string::npos && name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
      if (matrix) EXPECT_FALSE(same(t, before.at(name))) << name;
      ++copied;
    }
  }
  EXPECT_EQ(copied, 3 * 12);
  // The encoder's own parts keep theirs; the decoder's copy survives the second call.
  for (const char* kept : {"encoder_ln.weight", "mean_tokens", "to_mean.weight", "to_log_variance.weight"})
    EXPECT_TRUE(same(after.at(kept), before.at(kept))) << kept;
  const Tensors decoder_only = tensors_of(fresh.with_decoder_from(gen));
  for (const auto& [name, t] : decoder_only)
    if (name.rfind("encoder.", 0) != 0) EXPECT_TRUE(same(after.at(name), t)) << name;
}

TEST(VaeFromGenerator, AGroupedGeneratorGivesEachHeadTheKeysAndValuesOfItsGroup) {
  // Four query heads over two K/V heads: query head h reads K/V head h / 2
  // (not h % 2), in the decoder's blocks and in the encoder's alike.
  const int64_t d = 64, D = 16, H = 4, kv = 2;
  const Model gen = generator(64, H, kv);
  {
    torch::NoGradGuard no_grad;  // biases that differ head by head (they start at zero)
    for (auto& p : impl_of(gen).net->named_parameters())
      if (p.key().find("qkv.bias") != std::string::npos) p.value().normal_();
  }
  const Tensors g = tensors_of(gen);
  const EmotionVae fresh = vae(H);
  const Tensors before = tensors_of(fresh);
  const Tensors after = tensors_of(fresh.with_decoder_from(gen).with_encoder_from(gen));
  int checked = 0;
  for (const auto& [name, t] : after) {
    if (name.find("qkv") == std::string::npos) continue;
    const bool encoder = name.rfind("encoder.", 0) == 0;
    if (!encoder && name.rfind("blocks.", 0) != 0) continue;
    const std::string source = encoder ? "blocks." + name.substr(8) : name;
    const torch::Tensor& from = g.at(source);
    ASSERT_EQ(from.size(0), d + 2 * kv * D) << source;
    ASSERT_EQ(t.size(0), 3 * d) << name;
    EXPECT_TRUE(same(t.narrow(0, 0, d), from.narrow(0, 0, d))) << name << ": the queries";
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t part : {0, 1}) {  // keys, then values
        const auto got = t.narrow(0, d + part * d + h * D, D);
        EXPECT_TRUE(same(got, from.narrow(0, d + part * kv * D + (h / 2) * D, D))) << name << " head " << h;
        if (h % 2 != h / 2)
          EXPECT_FALSE(same(got, from.narrow(0, d + part * kv * D + (h % 2) * D, D))) << name << " head " << h;
      }
    }
    EXPECT_FALSE(same(t, before.at(name))) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 2 * 2 + 1 * 2);  // two decoder blocks, one encoder block, weight and bias each
  // The generator itself keeps its grouped shapes.
  EXPECT_EQ(tensors_of(gen).at("blocks.0.qkv.weight").size(0), d + 2 * kv * D);
}

TEST(VaeEncoderFromGenerator, RefusesAGeneratorOfAnotherWidth) {
  EXPECT_THROW((void)vae().with_encoder_from(generator(32)), Error);
}

}  // namespace
}  // namespace decoder_from_generator
}  // namespace emopiano
