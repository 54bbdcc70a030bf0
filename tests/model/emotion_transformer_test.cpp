// The network on its own: shapes, causality, the K/V cache, the emotion input.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "emopiano/error.hpp"
#include "model/emotion_transformer.hpp"
#include "model/network_inputs.hpp"

namespace emopiano {
namespace {

constexpr int64_t kVocab = 50;
constexpr int64_t kPositionsPerBar = 16;

ModelConfig tiny_config() {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 32;
  c.n_heads = 4;
  c.d_ff = 64;
  c.context_length = 64;
  c.dropout = 0.1f;
  c.max_bars = 8;
  return c;
}

EmotionTransformer tiny_net(uint64_t seed = 1) {
  EmotionTransformer net(tiny_config(), kVocab, kPositionsPerBar);
  net->init_weights(seed);
  net->eval();
  return net;
}

using Inputs = test::NetInputs;

Inputs random_inputs(int64_t B, int64_t T, uint64_t seed) {
  return test::random_net_inputs(B, T, seed, kVocab, kPositionsPerBar);
}

torch::Tensor run(EmotionTransformer& net, const Inputs& in) { return test::full_forward(net, in); }

TEST(EmotionTransformer, ForwardShapes) {
  auto net = tiny_net();
  auto in = random_inputs(3, 17, 5);
  auto logits = run(net, in);
  EXPECT_EQ(logits.sizes().vec(), (std::vector<int64_t>{3, 17, kVocab}));
  EXPECT_EQ(logits.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
}

TEST(EmotionTransformer, ChangingFutureTokensLeavesPastLogitsAlone) {
  auto net = tiny_net();
  auto in = random_inputs(2, 20, 7);
  auto before = run(net, in);
  auto changed = in;
  changed.tokens = in.tokens.clone();
  changed.tokens.slice(1, 12, 20).random_(0, kVocab);
  changed.emotion = in.emotion.clone();
  changed.emotion.slice(1, 12, 20).fill_(0.25);
  changed.bars = in.bars.clone();
  changed.bars.slice(1, 12, 20).fill_(5);
  auto after = run(net, changed);
  EXPECT_TRUE(torch::allclose(before.slice(1, 0, 12), after.slice(1, 0, 12), 1e-5, 1e-6));
  // And the future does change: the test can fail.
  EXPECT_FALSE(torch::allclose(before.slice(1, 12, 20), after.slice(1, 12, 20), 1e-4, 1e-5));
}

TEST(EmotionTransformer, CachedStepByStepEqualsFullForward) {
  auto net = tiny_net();
  auto in = random_inputs(2, 24, 11);
  auto full = run(net, in);
  torch::NoGradGuard no_grad;
  KVCache cache;
  std::vector<torch::Tensor> steps;
  for (int64_t t = 0; t < 24; ++t) {
    auto s = in.slice(t, t + 1);
    steps.push_back(net->forward_cached(s.tokens, s.bars, s.positions, s.emotion, cache));
  }
  EXPECT_EQ(cache.length, 24);
  ASSERT_EQ(cache.keys.size(), 2u);
  // Buffers hold the whole context; the first 24 positions are filled.
  EXPECT_EQ(cache.keys[0].sizes().vec(), (std::vector<int64_t>{2, 4, 64, 8}));
  auto stepped = torch::cat(steps, 1);
  EXPECT_TRUE(torch::allclose(full, stepped, 1e-4, 1e-5)) << (full - stepped).abs().max().item<float>();
}

TEST(EmotionTransformer, CachedChunksEqualFullForward) {
  auto net = tiny_net();
  auto in = random_inputs(1, 30, 13);
  auto full = run(net, in);
  torch::NoGradGuard no_grad;
  KVCache cache;
  auto a = in.slice(0, 9), b = in.slice(9, 10), c = in.slice(10, 30);
  auto la = net->forward_cached(a.tokens, a.bars, a.positions, a.emotion, cache);
  auto lb = net->forward_cached(b.tokens, b.bars, b.positions, b.emotion, cache);
  auto lc = net->forward_cached(c.tokens, c.bars, c.positions, c.emotion, cache);
  EXPECT_TRUE(torch::allclose(full, torch::cat({la, lb, lc}, 1), 1e-4, 1e-5));
  cache.clear();
  EXPECT_EQ(cache.length, 0);
  EXPECT_TRUE(cache.keys.empty());
}

TEST(EmotionTransformer, EmotionMixChangesOutput) {
  auto net = tiny_net();
  auto in = random_inputs(1, 10, 17);
  auto q1 = in, q3 = in;
  q1.emotion = torch::zeros({1, 10, 4});
  q1.emotion.select(2, 0).fill_(1.0);
  q3.emotion = torch::zeros({1, 10, 4});
  q3.emotion.select(2, 2).fill_(1.0);
  EXPECT_FALSE(torch::allclose(run(net, q1), run(net, q3), 1e-3, 1e-4));
}

TEST(EmotionTransformer, EmotionEntersAsLinearMixOfQuadrantVectors) {
  auto net = tiny_net();
  auto in = random_inputs(1, 10, 19);
  {
    // Make Q1 and Q2 share one vector: any split between them must then give
    // the same logits, while moving weight to Q3 must not.
    torch::NoGradGuard no_grad;
    net->emotion_embedding[1].copy_(net->emotion_embedding[0]);
  }
  auto mix = [&](float a, float b, float c) {
    auto x = in;
    x.emotion = torch::tensor({a, b, c, 1.0f - a - b - c}).view({1, 1, 4}).repeat({1, 10, 1});
    return run(net, x);
  };
  auto pure = mix(1.0f, 0.0f, 0.0f);
  EXPECT_TRUE(torch::allclose(pure, mix(0.3f, 0.7f, 0.0f), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(pure, mix(0.0f, 1.0f, 0.0f), 1e-5, 1e-6));
  EXPECT_FALSE(torch::allclose(pure, mix(0.3f, 0.3f, 0.4f), 1e-3, 1e-4));
}

TEST(EmotionTransformer, PureQuadrantMixEqualsOneHot) {
  auto net = tiny_net();
  auto in = random_inputs(1, 6, 23);
  auto one_hot = in;
  one_hot.emotion = torch::zeros({1, 6, 4});
  one_hot.emotion.select(2, 3).fill_(1.0);
  auto from_mix = in;
  const auto p = EmotionMix::from_quadrant(Quadrant::Q4).probabilities();
  from_mix.emotion = torch::tensor({p[0], p[1], p[2], p[3]}).view({1, 1, 4}).repeat({1, 6, 1});
  EXPECT_TRUE(torch::equal(run(net, one_hot), run(net, from_mix)));
}

// The key in force enters every position: each key gives its own logits,
// code 0 (no key) equals leaving the keys out, and the cached path takes
// the keys as the full forward does.
TEST(EmotionTransformer, KeyInputChangesOutputAndCachedPathAgrees) {
  auto net = tiny_net();
  const Inputs in = random_inputs(1, 10, 5);
  auto none = torch::zeros({1, 10}, torch::kLong);
  auto c_major = torch::full({1, 10}, key_code(MusicalKey{0, true}), torch::kLong);
  auto c_minor = torch::full({1, 10}, key_code(MusicalKey{0, false}), torch::kLong);
  torch::NoGradGuard no_grad;
  auto l0 = net->forward(in.tokens, in.bars, in.positions, in.emotion);
  EXPECT_TRUE(torch::allclose(net->forward(in.tokens, in.bars, in.positions, in.emotion, none), l0));
  auto lmaj = net->forward(in.tokens, in.bars, in.positions, in.emotion, c_major);
  auto lmin = net->forward(in.tokens, in.bars, in.positions, in.emotion, c_minor);
  EXPECT_FALSE(torch::allclose(lmaj, l0, 1e-4, 1e-4));
  EXPECT_FALSE(torch::allclose(lmaj, lmin, 1e-4, 1e-4));
  // A key that changes half way: the first half is unaffected by the change.
  auto change = c_major.clone();
  change.slice(1, 5, 10).fill_(key_code(MusicalKey{0, false}));
  auto lchange = net->forward(in.tokens, in.bars, in.positions, in.emotion, change);
  EXPECT_TRUE(torch::allclose(lchange.slice(1, 0, 5), lmaj.slice(1, 0, 5), 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(lchange.slice(1, 5, 10), lmaj.slice(1, 5, 10), 1e-4, 1e-4));
  KVCache cache;
  auto first = net->forward_cached(in.tokens.slice(1, 0, 6), in.bars.slice(1, 0, 6), in.positions.slice(1, 0, 6),
                                   in.emotion.slice(1, 0, 6), cache, change.slice(1, 0, 6));
  auto second = net->forward_cached(in.tokens.slice(1, 6, 10), in.bars.slice(1, 6, 10), in.positions.slice(1, 6, 10),
                                    in.emotion.slice(1, 6, 10), cache, change.slice(1, 6, 10));
  EXPECT_TRUE(torch::allclose(torch::cat({first, second}, 1), lchange, 1e-4, 1e-4));
  EXPECT_THROW(net->forward(in.tokens, in.bars, in.positions, in.emotion, none.slice(1, 0, 5)), Error);
}

TEST(EmotionTransformer, BarsBeyondTheTableAreClamped) {
  auto net = tiny_net();
  auto in = random_inputs(1, 8, 29);
  auto far = in, last = in;
  far.bars = torch::full({1, 8}, 1000, torch::kLong);
  last.bars = torch::full({1, 8}, tiny_config().max_bars - 1, torch::kLong);
  EXPECT_TRUE(torch::equal(run(net, far), run(net, last)));
}

TEST(EmotionTransformer, RejectsInputsBeyondTheContext) {
  auto net = tiny_net();
  auto in = random_inputs(1, 65, 31);
  EXPECT_THROW(run(net, in), Error);
  torch::NoGradGuard no_grad;
  KVCache cache;
  auto a = in.slice(0, 60);
  net->forward_cached(a.tokens, a.bars, a.positions, a.emotion, cache);
  auto b = in.slice(60, 65);
  try {
    net->forward_cached(b.tokens, b.bars, b.positions, b.emotion, cache);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("context length"), std::string::npos) << e.what();
  }
}

TEST(EmotionTransformer, RejectsMismatchedShapes) {
  auto net = tiny_net();
  auto in = random_inputs(1, 8, 37);
  auto bad = in;
  bad.emotion = torch::zeros({1, 8, 3});
  EXPECT_THROW(run(net, bad), Error);
  bad = in;
  bad.bars = torch::zeros({1, 7}, torch::kLong);
  EXPECT_THROW(run(net, bad), Error);
}

TEST(EmotionTransformer, InitialisationIsReproducibleFromTheSeed) {
  auto a = tiny_net(3), b = tiny_net(3), c = tiny_net(4);
  auto pa = a->parameters(), pb = b->parameters(), pc = c->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool all_equal_c = true;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i]));
    if (!torch::equal(pa[i], pc[i])) all_equal_c = false;
  }
  EXPECT_FALSE(all_equal_c);
}

TEST(EmotionTransformer, DropoutOnlyInTrainMode) {
  auto net = tiny_net();
  auto in = random_inputs(1, 12, 41);
  EXPECT_TRUE(torch::equal(run(net, in), run(net, in)));
  net->train();
  EXPECT_FALSE(torch::equal(run(net, in), run(net, in)));
  net->eval();
}

TEST(EmotionTransformer, GradientsReachEveryParameter) {
  auto net = tiny_net();
  net->train();
  auto in = random_inputs(2, 10, 43);
  auto logits = net->forward(in.tokens, in.bars, in.positions, in.emotion);
  auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, kVocab}), in.tokens.reshape({-1}));
  loss.backward();
  for (auto& p : net->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<float>(), 0.0f) << p.key();
  }
}

}  // namespace
}  // namespace emopiano
