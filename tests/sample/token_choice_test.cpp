// Choosing a token from logits: masks, greedy, top-k, top-p, the draw.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "sample/random.hpp"
#include "sample/token_choice.hpp"

namespace emopiano::sample {
namespace {

SamplingParams plain() {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  return p;
}

TEST(Random, SeedDeterminesTheStream) {
  Random a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    if (x != c.next()) differs = true;
  }
  EXPECT_TRUE(differs);
  Random u(7);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double v = u.uniform();
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
    sum += v;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

TEST(TokenChoice, NeverPicksAMaskedToken) {
  std::vector<float> logits = {5.0f, 0.0f, 4.0f, 1.0f, 3.0f};
  std::vector<uint8_t> mask = {0, 1, 0, 1, 1};
  Random r(1);
  std::set<int32_t> seen;
  for (int i = 0; i < 2000; ++i) seen.insert(choose_token(logits.data(), mask.data(), 5, plain(), r));
  EXPECT_EQ(seen, (std::set<int32_t>{1, 3, 4}));
}

TEST(TokenChoice, NothingAllowedGivesMinusOne) {
  std::vector<float> logits = {1.0f, 2.0f};
  std::vector<uint8_t> mask = {0, 0};
  Random r(1);
  EXPECT_EQ(choose_token(logits.data(), mask.data(), 2, plain(), r), -1);
  std::vector<float> dead = {-INFINITY, NAN};
  EXPECT_EQ(choose_token(dead.data(), nullptr, 2, plain(), r), -1);
}

TEST(TokenChoice, GreedyTopKOneAndTinyTopPPickTheBestAllowedToken) {
  std::vector<float> logits = {5.0f, 0.0f, 4.0f, 1.0f, 3.0f};
  std::vector<uint8_t> mask = {0, 1, 1, 1, 1};
  SamplingParams greedy = plain();
  greedy.temperature = 0.0f;
  SamplingParams k1 = plain();
  k1.top_k = 1;
  SamplingParams p_small = plain();
  p_small.top_p = 0.01f;
  Random r(3);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(choose_token(logits.data(), mask.data(), 5, greedy, r), 2);
    EXPECT_EQ(choose_token(logits.data(), mask.data(), 5, k1, r), 2);
    EXPECT_EQ(choose_token(logits.data(), mask.data(), 5, p_small, r), 2);
  }
}

TEST(TokenChoice, TopKKeepsTheKMostLikely) {
  std::vector<float> logits = {0.0f, 3.0f, 1.0f, 2.5f, 2.0f, -1.0f};
  SamplingParams p = plain();
  p.top_k = 3;
  auto c = candidate_distribution(logits.data(), nullptr, 6, p);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].first, 1);
  EXPECT_EQ(c[1].first, 3);
  EXPECT_EQ(c[2].first, 4);
  double sum = 0;
  for (auto& [id, prob] : c) sum += prob;
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(TokenChoice, TopPKeepsTheSmallestSetReachingP) {
  // Probabilities 0.5, 0.25, 0.125, 0.125.
  std::vector<float> logits = {std::log(0.5f), std::log(0.25f), std::log(0.125f), std::log(0.125f)};
  SamplingParams p = plain();
  p.top_p = 0.7f;
  auto c = candidate_distribution(logits.data(), nullptr, 4, p);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_NEAR(c[0].second, 2.0 / 3.0, 1e-6);
  p.top_p = 0.75f;
  EXPECT_EQ(candidate_distribution(logits.data(), nullptr, 4, p).size(), 2u);
  p.top_p = 0.76f;
  EXPECT_EQ(candidate_distribution(logits.data(), nullptr, 4, p).size(), 3u);
}

TEST(TokenChoice, TemperatureSharpensAndFlattens) {
  std::vector<float> logits = {2.0f, 1.0f, 0.0f};
  SamplingParams cold = plain(), hot = plain();
  cold.temperature = 0.5f;
  hot.temperature = 2.0f;
  const double p1 = candidate_distribution(logits.data(), nullptr, 3, plain())[0].second;
  const double pc = candidate_distribution(logits.data(), nullptr, 3, cold)[0].second;
  const double ph = candidate_distribution(logits.data(), nullptr, 3, hot)[0].second;
  EXPECT_NEAR(p1, std::exp(2.0) / (std::exp(2.0) + std::exp(1.0) + 1.0), 1e-9);
  EXPECT_GT(pc, p1);
  EXPECT_LT(ph, p1);
}

TEST(TokenChoice, DrawsFollowTheDistribution) {
  std::vector<float> logits = {std::log(0.6f), std::log(0.3f), std::log(0.1f)};
  Random r(11);
  std::map<int32_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[choose_token(logits.data(), nullptr, 3, plain(), r)];
  EXPECT_NEAR(counts[0] / static_cast<double>(n), 0.6, 0.02);
  EXPECT_NEAR(counts[1] / static_cast<double>(n), 0.3, 0.02);
  EXPECT_NEAR(counts[2] / static_cast<double>(n), 0.1, 0.02);
}

}  // namespace
}  // namespace emopiano::sample
