// Greedy decoding of the VAE with beams (SamplingParams::beams): the score it
// keeps is the teacher-forced one of the segment it returns (so each beam's
// cache followed its parent), one beam is plain greedy, a batch decodes as
// its latents alone, more beams never find a less likely segment than
// greedy on these latents, and the generator refuses beams.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/vae.hpp"
#include "support/test_support.hpp"
#include "train/tiny_corpus.hpp"
#include "vae/latent_rows.hpp"
#include "vae/tiny_vae.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano {
namespace {

// A small VAE trained briefly on a few melodies: decoded segments end on
// their own, and its distributions are neither uniform nor one-hot.
class BeamSearch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<test::TinyPiece> pieces;
    for (int v = 0; v < 4; ++v) {
      std::vector<int> pitches;
      for (int i = 0; i < 8; ++i) pitches.push_back(55 + v * 4 + (i * (v + 3)) % 12);
      pieces.push_back({"m" + std::to_string(v), test::melody(pitches, 2), v % 2 ? "Q2" : "Q4", "train"});
    }
    const Dataset data = test::load_corpus(test::write_corpus("beam-search", pieces));
    VaeTrainer trainer(EmotionVae::create(test::tiny_vae(1, 160), TokenizerConfig{}, 5), data,
                       test::autoencoder_training(120, 8, 1e-3));
    trainer.run();
    vae_ = std::make_unique<EmotionVae>(trainer.vae());
    impl_of(*vae_).net->eval();
  }
  static void TearDownTestSuite() { vae_.reset(); }

  // Latents around the prior, and their emotions.
  static std::vector<std::vector<float>> latents(int n) {
    std::vector<std::vector<float>> z;
    for (int i = 0; i < n; ++i) z.push_back(vae_->sample_latent(1.5f, 11 + static_cast<uint64_t>(i)));
    return z;
  }
  static std::vector<EmotionMix> emotions(int n) {
    std::vector<EmotionMix> e;
    for (int i = 0; i < n; ++i) e.push_back(EmotionMix::from_quadrant(i % 2 ? Quadrant::Q2 : Quadrant::Q4));
    return e;
  }

  // The mean log-probability per chosen token of a segment, teacher forced
  // through the uncached decoder with the rules the decoding loop applies.
  static double mean_log_probability(const std::vector<int32_t>& segment, const std::vector<float>& z,
                                     const EmotionMix& emotion) {
    auto& impl = impl_of(*vae_);
    const Tokenizer& tok = *impl.tokenizer;
    vae::LatentRow row(tok, emotion);
    for (size_t i = 2; i + 1 < segment.size(); ++i) row.push(segment[i]);
    const auto feed = vae::decoder_feed({&row}, 0);
    const auto in = vae::latent_inputs(impl.config, {z}, {emotion});
    torch::NoGradGuard no_grad;
    const auto logits = impl.net->decode(feed.tokens, feed.bars, feed.positions, in.emotion, in.z)[0].contiguous();
    vae::LatentRow replay(tok, emotion);
    std::vector<uint8_t> mask(static_cast<size_t>(tok.vocab_size()));
    double sum = 0.0;
    for (size_t i = 2; i < segment.size(); ++i) {
      std::vector<float> l(logits[static_cast<int64_t>(i - 1)].data_ptr<float>(),
                           logits[static_cast<int64_t>(i - 1)].data_ptr<float>() + tok.vocab_size());
      replay.next_tokens(tok, impl.config, l.data(), mask.data());
      double top = -INFINITY, total = 0.0;
      for (int32_t t = 0; t < tok.vocab_size(); ++t)
        if (mask[static_cast<size_t>(t)]) top = std::max(top, static_cast<double>(l[static_cast<size_t>(t)]));
      for (int32_t t = 0; t < tok.vocab_size(); ++t)
        if (mask[static_cast<size_t>(t)]) total += std::exp(l[static_cast<size_t>(t)] - top);
      EXPECT_TRUE(mask[static_cast<size_t>(segment[i])]) << "token " << i << " is not allowed there";
      sum += l[static_cast<size_t>(segment[i])] - top - std::log(total);
      replay.push(segment[i]);
    }
    return sum / static_cast<double>(segment.size() - 2);
  }

  static std::unique_ptr<EmotionVae> vae_;
};
std::unique_ptr<EmotionVae> BeamSearch::vae_;

TEST_F(BeamSearch, KeptScoreIsTheTeacherForcedOne) {
  const auto z = latents(4);
  const auto e = emotions(4);
  std::vector<double> kept;
  const auto out = vae::beam_search_latents(impl_of(*vae_), z, e, 5, &kept);
  ASSERT_EQ(out.size(), 4u);
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_GT(out[i].size(), 3u);
    ASSERT_EQ(out[i].back(), vae_->tokenizer().eos_id());
    ASSERT_LT(out[i].size(), 150u) << "the segment ran to the token limit";  // then the score covers cut tokens
    EXPECT_NEAR(kept[i], mean_log_probability(out[i], z[i], e[i]), 1e-5) << "latent " << i;
  }
}

TEST_F(BeamSearch, OneBeamIsGreedy) {
  const auto z = latents(3);
  const auto e = emotions(3);
  SamplingParams greedy;
  greedy.temperature = 0.0f;
  EXPECT_EQ(vae::beam_search_latents(impl_of(*vae_), z, e, 1), vae::decode_latents(impl_of(*vae_), z, e, greedy));
}

TEST_F(BeamSearch, BatchDecodesAsEachLatentAlone) {
  const auto z = latents(3);
  const auto e = emotions(3);
  const auto batch = vae::beam_search_latents(impl_of(*vae_), z, e, 4);
  for (size_t i = 0; i < z.size(); ++i)
    EXPECT_EQ(batch[i], vae::beam_search_latents(impl_of(*vae_), {z[i]}, {e[i]}, 4).front()) << "latent " << i;
}

TEST_F(BeamSearch, FindsSegmentsAtLeastAsLikelyAsGreedy) {
  const auto z = latents(6);
  const auto e = emotions(6);
  SamplingParams params;
  params.temperature = 0.0f;
  const auto greedy = vae_->decode(z, e, params);
  params.beams = 8;
  const auto beams = vae_->decode(z, e, params);
  int better = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    const double g = mean_log_probability(greedy[i].tokens, z[i], e[i]);
    const double b = mean_log_probability(beams[i].tokens, z[i], e[i]);
    EXPECT_GE(b, g - 1e-6) << "latent " << i;
    better += b > g + 1e-6;
    EXPECT_EQ(beams[i].score.warnings.invalid_tokens, 0);
  }
  EXPECT_GT(better, 0) << "beams never found a likelier segment than greedy: the search adds nothing here";
}

TEST(BeamSearchParams, OutOfRangeOrOnTheGeneratorIsRefused) {
  SamplingParams p;
  p.beams = 0;
  EXPECT_THROW(p.validate(), Error);
  p.beams = 65;
  EXPECT_THROW(p.validate(), Error);
  p.beams = 2;
  EXPECT_THROW(p.validate(), Error);  // beams with sampling
  p.temperature = 0.0f;
  EXPECT_NO_THROW(p.validate());
  ModelConfig c;
  c.n_layers = 1;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 32;
  c.context_length = 64;
  Model model = Model::create(c, TokenizerConfig{}, 1);
  Sampler sampler(model);
  GenerationRequest request;
  request.params = p;
  request.params.max_tokens = 8;
  try {
    sampler.generate(request);
    FAIL() << "the generator took beams";
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), ErrorCode::invalid_argument);
  }
}

}  // namespace
}  // namespace emopiano
