// z added to every decoder block (VaeConfig::latent_every_block) and a VAE
// started from a trained one (EmotionVae::with_weights_from): the cached
// decoder agrees with the teacher-forced one, z reaches the logits through
// the per-block maps alone, a trained VAE given the option decodes as before
// until trained, and the file keeps the option.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/vae.hpp"
#include "support/test_support.hpp"
#include "train/tiny_corpus.hpp"
#include "vae/decoder_inputs.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano {
namespace every_block_test {

// Three decoder layers, so that blocks above the first read z.
VaeConfig small_vae(bool every_block) {
  VaeConfig c = test::small_decoder_vae();
  c.decoder_layers = 3;
  c.latent_every_block = every_block;
  return c;
}

using Inputs = test::DecoderInputs;
Inputs inputs(int64_t vocab, int64_t T) { return test::decoder_inputs(vocab, T, 8, 11); }

torch::Tensor logits(EmotionVae& vae, const Inputs& in, const torch::Tensor& z) {
  auto& net = *impl_of(vae).net;
  net.eval();
  torch::NoGradGuard no_grad;
  return net.decode(in.tokens, in.bars, in.positions, in.emotion, z);
}

// The per-block maps of z set to something other than their zero start.
void randomise_block_maps(EmotionVae& vae) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  for (auto& p : impl_of(vae).net->latent_blocks->parameters()) p.normal_(0.0, 0.5);
}

TEST(LatentEveryBlock, TheMapsStartAtZeroOnePerBlock) {
  EmotionVae vae = EmotionVae::create(small_vae(true), TokenizerConfig{}, 7);
  auto& net = *impl_of(vae).net;
  ASSERT_TRUE(net.latent_blocks);
  EXPECT_EQ(net.latent_blocks->size(), 3u);
  for (const auto& p : net.latent_blocks->parameters()) EXPECT_EQ(p.abs().max().item<float>(), 0.0f);
  EmotionVae plain = EmotionVae::create(small_vae(false), TokenizerConfig{}, 7);
  EXPECT_FALSE(impl_of(plain).net->latent_blocks);
  EXPECT_EQ(vae.parameter_count(), plain.parameter_count() + 3 * (8 * 32 + 32));
}

TEST(LatentEveryBlock, CachedDecodingAgreesWithTeacherForcing) {
  EmotionVae vae = EmotionVae::create(small_vae(true), TokenizerConfig{}, 7);
  randomise_block_maps(vae);
  auto& net = *impl_of(vae).net;
  const auto in = inputs(vae.tokenizer().vocab_size(), 10);
  const auto full = logits(vae, in, in.z);
  torch::NoGradGuard no_grad;
  KVCache cache;
  std::vector<torch::Tensor> steps;
  steps.push_back(net.decode_cached(in.tokens.slice(1, 0, 4), in.bars.slice(1, 0, 4), in.positions.slice(1, 0, 4),
                                    in.emotion, in.z, cache));
  for (int64_t t = 4; t < 10; ++t)
    steps.push_back(net.decode_cached(in.tokens.slice(1, t, t + 1), in.bars.slice(1, t, t + 1),
                                      in.positions.slice(1, t, t + 1), in.emotion, in.z, cache));
  EXPECT_TRUE(torch::allclose(torch::cat(steps, 1), full, 1e-4, 1e-5));
}

TEST(LatentEveryBlock, ZReachesTheDecoderThroughTheBlockMapsAlone) {
  EmotionVae vae = EmotionVae::create(small_vae(true), TokenizerConfig{}, 7);
  const auto in = inputs(vae.tokenizer().vocab_size(), 6);
  {
    torch::NoGradGuard no_grad;
    impl_of(vae).net->latent_projection->weight.zero_();  // z no longer added to the embeddings
  }
  // With the maps at their zero start, z does not reach the logits at all.
  EXPECT_TRUE(torch::equal(logits(vae, in, in.z), logits(vae, in, in.z + 1.0f)));
  randomise_block_maps(vae);
  EXPECT_FALSE(torch::allclose(logits(vae, in, in.z), logits(vae, in, in.z + 1.0f)));
  // Each block's map on its own reaches the logits (here the top block's).
  {
    torch::NoGradGuard no_grad;
    auto& maps = *impl_of(vae).net->latent_blocks;
    for (size_t i = 0; i + 1 < maps.size(); ++i)
      for (auto& p : maps[i]->parameters()) p.zero_();
  }
  EXPECT_FALSE(torch::allclose(logits(vae, in, in.z), logits(vae, in, in.z + 1.0f)));
}

TEST(LatentEveryBlock, AVaeStartedFromATrainedOneDecodesAsItDoes) {
  EmotionVae trained = EmotionVae::create(small_vae(false), TokenizerConfig{}, 3);
  EmotionVae fresh = EmotionVae::create(small_vae(true), TokenizerConfig{}, 19);
  const auto in = inputs(trained.tokenizer().vocab_size(), 8);
  ASSERT_FALSE(torch::allclose(logits(fresh, in, in.z), logits(trained, in, in.z)));
  EmotionVae started = fresh.with_weights_from(trained);
  EXPECT_TRUE(torch::allclose(logits(started, in, in.z), logits(trained, in, in.z), 1e-5, 1e-6));
  // The encoder too.
  const auto segment = trained.segments(test::melody({60, 64, 67, 72}, 1), Quadrant::Q3).at(0);
  EXPECT_EQ(started.encode_tokens(segment, EmotionMix::from_quadrant(Quadrant::Q3)).mean,
            trained.encode_tokens(segment, EmotionMix::from_quadrant(Quadrant::Q3)).mean);
  // The new maps start at zero; `fresh` itself is not changed.
  for (const auto& p : impl_of(started).net->latent_blocks->parameters()) EXPECT_EQ(p.abs().max().item<float>(), 0.0f);
  EXPECT_FALSE(torch::allclose(logits(fresh, in, in.z), logits(trained, in, in.z)));

  // More decoder and encoder layers than the trained VAE: the blocks both have
  // are copied, the new ones start as the identity, so the deeper VAE encodes
  // and decodes as the trained one until it is trained.
  VaeConfig deeper = small_vae(false);
  deeper.decoder_layers = 4;
  deeper.encoder_layers += 1;
  EmotionVae fresh_deep = EmotionVae::create(deeper, TokenizerConfig{}, 5);
  EmotionVae deep = fresh_deep.with_weights_from(trained);
  EXPECT_TRUE(torch::equal(impl_of(deep).net->blocks->ptr<TransformerBlockImpl>(2)->ff1->weight,
                           impl_of(trained).net->blocks->ptr<TransformerBlockImpl>(2)->ff1->weight));
  EXPECT_TRUE(torch::allclose(logits(deep, in, in.z), logits(trained, in, in.z), 1e-5, 1e-6));
  const auto mix = EmotionMix::from_quadrant(Quadrant::Q3);
  const auto deep_mean = deep.encode_tokens(segment, mix).mean, trained_mean = trained.encode_tokens(segment, mix).mean;
  ASSERT_EQ(deep_mean.size(), trained_mean.size());
  for (size_t i = 0; i < deep_mean.size(); ++i) EXPECT_NEAR(deep_mean[i], trained_mean[i], 1e-5) << i;
  // The inputs tell the VAEs apart: the deeper VAE as created decodes otherwise.
  EXPECT_FALSE(torch::allclose(logits(fresh_deep, in, in.z), logits(trained, in, in.z)));
  // The new blocks still learn: their other weights are the fresh VAE's.
  const auto added = impl_of(deep).net->blocks->ptr<TransformerBlockImpl>(3);
  EXPECT_EQ(added->proj->weight.abs().max().item<float>(), 0.0f);
  EXPECT_EQ(added->ff2->weight.abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(
      torch::equal(added->ff1->weight, impl_of(fresh_deep).net->blocks->ptr<TransformerBlockImpl>(3)->ff1->weight));
}

TEST(LatentEveryBlock, AnotherWidthLatentOrTokenizerIsRefused) {
  EmotionVae trained = EmotionVae::create(small_vae(false), TokenizerConfig{}, 3);
  VaeConfig wide = small_vae(true);
  wide.d_model = 64;
  wide.d_ff = 128;
  EXPECT_THROW(EmotionVae::create(wide, TokenizerConfig{}, 1).with_weights_from(trained), Error);
  VaeConfig latent = small_vae(true);
  latent.latent_dim = 16;
  EXPECT_THROW(EmotionVae::create(latent, TokenizerConfig{}, 1).with_weights_from(trained), Error);
  TokenizerConfig other;
  other.velocity_bins = 8;
  EXPECT_THROW(EmotionVae::create(small_vae(true), other, 1).with_weights_from(trained), Error);
}

TEST(LatentEveryBlock, TheFileKeepsTheOptionAndOlderConfigsHaveNone) {
  EXPECT_FALSE(VaeConfig::from_json("{}").latent_every_block);
  EXPECT_EQ(VaeConfig::from_json(small_vae(true).to_json()), small_vae(true));
  EXPECT_FALSE(VaeConfig::from_json(small_vae(true).to_json()) == small_vae(false));
  EXPECT_THROW(VaeConfig::from_json(R"({"latent_every_block": 1})"), Error);
  EmotionVae vae = EmotionVae::create(small_vae(true), TokenizerConfig{}, 9);
  randomise_block_maps(vae);
  const auto path = test::temp_dir("latent-every-block") / "vae.pt";
  vae.save(path);
  EmotionVae loaded = EmotionVae::load(path);
  EXPECT_TRUE(loaded.config().latent_every_block);
  const auto in = inputs(vae.tokenizer().vocab_size(), 5);
  EXPECT_TRUE(torch::equal(logits(loaded, in, in.z), logits(vae, in, in.z)));
}

}  // namespace every_block_test
}  // namespace emopiano
