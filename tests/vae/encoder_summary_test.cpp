// The encoder's summary positions (VaeConfig::encoder_summary_tokens): their
// maps start at zero, the posterior reads a segment through them alone when
// the distribution tokens' maps are zero, padding does not reach them,
// training reaches them from their zero start, and the file keeps them.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/vae.hpp"
#include "support/test_support.hpp"
#include "vae/decoder_inputs.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano {
namespace {

VaeConfig summary_vae(int summary_tokens) {
  VaeConfig c = test::small_decoder_vae();
  c.encoder_layers = 2;
  c.encoder_summary_tokens = summary_tokens;
  return c;
}

struct Segment {
  torch::Tensor tokens, bars, positions, padding, emotion;
};

// Two rows of T random tokens, the second's last `padded` positions padding.
Segment segment(int64_t vocab, int64_t T, int64_t padded, uint64_t seed) {
  const auto in = test::decoder_inputs(vocab, T, 8, seed);
  auto padding = torch::zeros({2, T}, torch::kBool);
  padding[1].slice(0, T - padded).fill_(true);
  return {in.tokens, in.bars, in.positions, padding, in.emotion};
}

std::pair<torch::Tensor, torch::Tensor> encode(VaeNetworkImpl& net, const Segment& s) {
  return net.encode(s.tokens, s.bars, s.positions, s.padding, s.emotion);
}

// The summary maps set to something other than their zero start, and the
// distribution tokens' maps to zero: z depends on the segment through the
// summary positions or not at all.
void summary_only(VaeNetworkImpl& net) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  for (auto& p : net.summary_to_mean->parameters()) p.normal_(0.0, 0.3);
  for (auto& p : net.summary_to_log_variance->parameters()) p.normal_(0.0, 0.3);
  for (auto& p : net.to_mean->parameters()) p.zero_();
  for (auto& p : net.to_log_variance->parameters()) p.zero_();
}

TEST(EncoderSummary, TheMapsStartAtZero) {
  EmotionVae vae = EmotionVae::create(summary_vae(3), TokenizerConfig{}, 7);
  auto& net = *impl_of(vae).net;
  ASSERT_TRUE(net.summary_to_mean);
  EXPECT_EQ(net.summary_tokens.sizes(), (torch::IntArrayRef{3, 32}));
  EXPECT_GT(net.summary_tokens.abs().max().item<float>(), 0.0f);  // distinct positions
  for (const auto& p : net.summary_to_mean->parameters()) EXPECT_EQ(p.abs().max().item<float>(), 0.0f);
  for (const auto& p : net.summary_to_log_variance->parameters()) EXPECT_EQ(p.abs().max().item<float>(), 0.0f);
  EmotionVae plain = EmotionVae::create(summary_vae(0), TokenizerConfig{}, 7);
  EXPECT_FALSE(impl_of(plain).net->summary_to_mean);
  EXPECT_EQ(vae.parameter_count(), plain.parameter_count() + 3 * 32 + 2 * (3 * 32 * 8 + 8));
}

TEST(EncoderSummary, ThePosteriorReadsTheSegmentThroughTheSummaryAlone) {
  EmotionVae vae = EmotionVae::create(summary_vae(4), TokenizerConfig{}, 7);
  auto& net = *impl_of(vae).net;
  net.eval();
  summary_only(net);
  torch::NoGradGuard no_grad;
  const auto s = segment(vae.tokenizer().vocab_size(), 12, 0, 5);
  const auto [mean, log_variance] = encode(net, s);
  // The two rows hold different segments, so their posteriors differ.
  EXPECT_FALSE(torch::allclose(mean[0], mean[1]));
  EXPECT_FALSE(torch::allclose(log_variance[0], log_variance[1]));
  // One token changed near the end moves the posterior.
  Segment changed = s;
  changed.tokens = s.tokens.clone();
  changed.tokens[0][10] = (s.tokens[0][10].item<int64_t>() + 1) % vae.tokenizer().vocab_size();
  EXPECT_FALSE(torch::allclose(encode(net, changed).first[0], mean[0]));
  // With the summary maps at zero too, the segment no longer reaches z.
  for (auto& p : net.summary_to_mean->parameters()) p.zero_();
  EXPECT_TRUE(torch::equal(encode(net, changed).first[0], encode(net, s).first[0]));
}

TEST(EncoderSummary, PaddingDoesNotReachTheSummary) {
  EmotionVae vae = EmotionVae::create(summary_vae(4), TokenizerConfig{}, 7);
  auto& net = *impl_of(vae).net;
  net.eval();
  summary_only(net);
  torch::NoGradGuard no_grad;
  auto s = segment(vae.tokenizer().vocab_size(), 12, 5, 5);
  const auto [mean, log_variance] = encode(net, s);
  // The padded row alone, cut to its 7 real tokens.
  Segment cut{s.tokens.slice(0, 1, 2).slice(1, 0, 7), s.bars.slice(0, 1, 2).slice(1, 0, 7),
              s.positions.slice(0, 1, 2).slice(1, 0, 7), torch::zeros({1, 7}, torch::kBool), s.emotion.slice(0, 1, 2)};
  const auto [cut_mean, cut_log_variance] = encode(net, cut);
  EXPECT_TRUE(torch::allclose(cut_mean[0], mean[1], 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(cut_log_variance[0], log_variance[1], 1e-5, 1e-6));
  // What the padding holds changes nothing.
  s.tokens[1].slice(0, 7).fill_(1);
  EXPECT_TRUE(torch::allclose(encode(net, s).first[1], mean[1], 1e-5, 1e-6));
}

TEST(EncoderSummary, TrainingReachesTheSummaryFromItsZeroStart) {
  EmotionVae vae = EmotionVae::create(summary_vae(2), TokenizerConfig{}, 7);
  auto& net = *impl_of(vae).net;
  net.train();
  const auto s = segment(vae.tokenizer().vocab_size(), 10, 3, 9);
  auto [mean, log_variance] = encode(net, s);
  (mean.pow(2).sum() + log_variance.sum()).backward();
  // The maps at zero still learn: their gradient is the summary's outputs.
  EXPECT_GT(net.summary_to_mean->weight.grad().abs().max().item<float>(), 0.0f);
  EXPECT_GT(net.summary_to_log_variance->weight.grad().abs().max().item<float>(), 0.0f);
  ASSERT_TRUE(net.summary_tokens.grad().defined());
  EXPECT_GT(net.summary_tokens.grad().abs().max().item<float>(), 0.0f);
}

TEST(EncoderSummary, TheFileKeepsTheOptionAndOlderConfigsHaveNone) {
  EXPECT_EQ(VaeConfig::from_json("{}").encoder_summary_tokens, 0);
  EXPECT_EQ(VaeConfig::from_json(summary_vae(5).to_json()), summary_vae(5));
  EXPECT_FALSE(summary_vae(5) == summary_vae(4));
  EXPECT_THROW(VaeConfig::from_json(R"({"encoder_summary_tokens": 65})"), Error);
  EXPECT_THROW(VaeConfig::from_json(R"({"encoder_summary_tokens": -1})"), Error);
  EmotionVae vae = EmotionVae::create(summary_vae(3), TokenizerConfig{}, 9);
  summary_only(*impl_of(vae).net);
  const auto path = test::temp_dir("encoder-summary") / "vae.pt";
  vae.save(path);
  EmotionVae loaded = EmotionVae::load(path);
  EXPECT_EQ(loaded.config().encoder_summary_tokens, 3);
  EXPECT_TRUE(torch::equal(impl_of(loaded).net->summary_tokens, impl_of(vae).net->summary_tokens));
  EXPECT_TRUE(torch::equal(impl_of(loaded).net->summary_to_mean->weight, impl_of(vae).net->summary_to_mean->weight));
}

}  // namespace
}  // namespace emopiano
