// The sampler's cached, sliding-window decoding against a plain reference
// that recomputes every step from scratch with full forwards.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "core/impl_access.hpp"
#include "emopiano/sampler.hpp"
#include "model/model_impl.hpp"
#include "sample/emotion_schedule.hpp"

namespace emopiano {
namespace {

TEST(SlidingWindow, GreedyCachedDecodingEqualsFullRecomputation) {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 64;
  c.context_length = 48;
  c.max_bars = 16;
  const Model model = Model::create(c, TokenizerConfig{}, 11);
  const Tokenizer& tok = model.tokenizer();
  const auto trajectory = EmotionTrajectory::parse("Q2@0,Q4@3");
  const int kTokens = 160;  // the window slides several times

  GenerationRequest request;
  request.emotion = trajectory;
  request.params.temperature = 0.0f;
  request.params.max_tokens = kTokens;
  request.params.stop_at_eos = false;  // EOS masked: every step is a real choice
  Sampler sampler(model);
  const auto result = sampler.generate(request);
  ASSERT_EQ(result.stop_reason, StopReason::max_tokens);

  // Reference: the same policy (window restarts at the last context/2 tokens
  // when it would overflow), every step a full forward over the window.
  std::vector<int32_t> seq = {tok.bos_id(), tok.emotion_id(Quadrant::Q2)};
  auto grammar = tok.grammar();
  for (int32_t t : seq) grammar->advance(t);
  size_t window_start = 0;
  std::vector<uint8_t> mask(static_cast<size_t>(tok.vocab_size()));
  torch::NoGradGuard no_grad;
  auto& net = *impl_of(model).net;
  for (int step = 0; step < kTokens; ++step) {
    if (seq.size() - window_start > static_cast<size_t>(c.context_length))
      window_start = seq.size() - static_cast<size_t>(c.context_length / 2);
    std::vector<int32_t> bars(seq.size()), positions(seq.size());
    tok.musical_positions(seq.data(), seq.size(), bars.data(), positions.data());
    const int64_t T = static_cast<int64_t>(seq.size() - window_start);
    auto tokens = torch::empty({1, T}, torch::kLong), b = torch::empty({1, T}, torch::kLong),
         p = torch::empty({1, T}, torch::kLong), e = torch::empty({1, T, 4});
    for (int64_t i = 0; i < T; ++i) {
      const size_t k = window_start + static_cast<size_t>(i);
      tokens[0][i] = seq[k];
      b[0][i] = bars[k];
      p[0][i] = positions[k];
      const auto mix = sample::emotion_input(trajectory, bars[k]);
      for (int q = 0; q < 4; ++q) e[0][i][q] = mix[static_cast<size_t>(q)];
    }
    auto logits = net.forward(tokens, b, p, e)[0][T - 1].contiguous();
    grammar->allowed(mask.data());
    mask[static_cast<size_t>(tok.eos_id())] = 0;
    const float* l = logits.data_ptr<float>();
    int32_t best = -1;
    for (int32_t i = 0; i < tok.vocab_size(); ++i) {
      if (mask[static_cast<size_t>(i)] && (best < 0 || l[i] > l[best])) best = i;
    }
    ASSERT_GE(best, 0);
    seq.push_back(best);
    grammar->advance(best);
  }
  // The sampler closed its piece at the last complete event: compare up to there.
  ASSERT_GE(result.tokens.size(), 3u);
  const size_t compared = result.tokens.size() - 1;
  ASSERT_LE(compared, seq.size());
  EXPECT_GT(compared, static_cast<size_t>(2 * c.context_length));
  for (size_t i = 0; i < compared; ++i) {
    ASSERT_EQ(result.tokens[i], seq[i]) << "token " << i << ": " << tok.token_to_string(result.tokens[i]) << " vs "
                                        << tok.token_to_string(seq[i]);
  }
}

}  // namespace
}  // namespace emopiano
