// z as memory positions in front of the decoder (VaeConfig::latent_tokens):
// the cached, token-by-token decoder agrees with the teacher-forced one, z
// reaches the logits through the memory alone, and the file keeps the option.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>

#include "core/impl_access.hpp"
#include "emopiano/vae.hpp"
#include "support/test_support.hpp"
#include "vae/decoder_inputs.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano {
namespace {

VaeConfig memory_vae(int latent_tokens) {
  VaeConfig c = test::small_decoder_vae();
  c.latent_tokens = latent_tokens;
  return c;
}

test::DecoderInputs inputs(int64_t vocab, int64_t T) { return test::decoder_inputs(vocab, T, 8, 5); }

TEST(LatentMemory, CachedDecodingAgreesWithTeacherForcing) {
  EmotionVae vae = EmotionVae::create(memory_vae(3), TokenizerConfig{}, 7);
  auto& net = *impl_of(vae).net;
  net.eval();
  torch::NoGradGuard no_grad;
  const auto in = inputs(vae.tokenizer().vocab_size(), 12);
  const auto full = net.decode(in.tokens, in.bars, in.positions, in.emotion, in.z);
  ASSERT_EQ(full.size(1), 12);  // no logits for the memory positions
  KVCache cache;
  std::vector<torch::Tensor> steps;
  steps.push_back(net.decode_cached(in.tokens.slice(1, 0, 5), in.bars.slice(1, 0, 5), in.positions.slice(1, 0, 5),
                                    in.emotion, in.z, cache));
  for (int64_t t = 5; t < 12; ++t)
    steps.push_back(net.decode_cached(in.tokens.slice(1, t, t + 1), in.bars.slice(1, t, t + 1),
                                      in.positions.slice(1, t, t + 1), in.emotion, in.z, cache));
  EXPECT_TRUE(torch::allclose(torch::cat(steps, 1), full, 1e-4, 1e-5));
  EXPECT_EQ(cache.length, 3 + 12);
}

TEST(LatentMemory, ZReachesTheDecoderThroughTheMemoryAlone) {
  EmotionVae vae = EmotionVae::create(memory_vae(2), TokenizerConfig{}, 7);
  auto& net = *impl_of(vae).net;
  net.eval();
  torch::NoGradGuard no_grad;
  net.latent_projection->weight.zero_();  // z no longer added at every position
  const auto in = inputs(vae.tokenizer().vocab_size(), 6);
  const auto a = net.decode(in.tokens, in.bars, in.positions, in.emotion, in.z);
  const auto b = net.decode(in.tokens, in.bars, in.positions, in.emotion, in.z + 1.0f);
  EXPECT_FALSE(torch::allclose(a, b));
  net.latent_memory->weight.zero_();
  const auto c = net.decode(in.tokens, in.bars, in.positions, in.emotion, in.z);
  const auto d = net.decode(in.tokens, in.bars, in.positions, in.emotion, in.z + 1.0f);
  EXPECT_TRUE(torch::equal(c, d));
}

TEST(LatentMemory, TheFileKeepsTheOptionAndOlderConfigsHaveNone) {
  EXPECT_EQ(VaeConfig::from_json("{}").latent_tokens, 0);
  EXPECT_EQ(VaeConfig::from_json(memory_vae(4).to_json()), memory_vae(4));
  EXPECT_THROW(VaeConfig::from_json(R"({"latent_tokens": 65})"), Error);
  EmotionVae vae = EmotionVae::create(memory_vae(4), TokenizerConfig{}, 9);
  const auto path = test::temp_dir("latent-memory") / "vae.pt";
  vae.save(path);
  EmotionVae loaded = EmotionVae::load(path);
  EXPECT_EQ(loaded.config().latent_tokens, 4);
  EXPECT_TRUE(torch::equal(impl_of(loaded).net->latent_memory->weight, impl_of(vae).net->latent_memory->weight));
}

}  // namespace
}  // namespace emopiano
