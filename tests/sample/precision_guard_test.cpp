// The quality guard of the bf16 generation step with the bundled model:
// replaying a greedy piece, the bf16 model's most likely next token is the
// float32 model's at >= 99% of steps and the mean KL(f32 || bf16) is below
// 1e-3 nats, with the bf16 and with the int8 K/V cache.
// The replay is the guard's full 500 steps: over 150 steps, two tokens that
// flip between nearly tied candidates already fail 99% (the bundled model
// meets it at 99.4-100% over 500 steps, its mean KL 200 times under the
// limit; bench/precision_guard.cpp runs the same replay for every emotion).
#include <gtest/gtest.h>

#include "emopiano/error.hpp"
#include "emopiano/sampler.hpp"
#include "sample/precision_replay.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

GenerationRequest replay_request(int tokens) {
  GenerationRequest r;
  r.emotion = EmotionTrajectory(EmotionMix::parse("happy"));
  r.params.max_tokens = tokens;
  r.params.seed = 3;
  return r;
}

TEST(PrecisionGuard, Bf16FollowsF32WithTheBundledModel) {
  std::filesystem::path path;
  try {
    path = bundled_model_path();
  } catch (const Error&) {
    EMOPIANO_MISSING("the bundled model");
  }
  const Model f32 = Model::load(path, LoadOptions{InferencePrecision::f32});
  const Model bf16 = Model::load(path, LoadOptions{InferencePrecision::bf16});
  ASSERT_EQ(bf16.inference_precision(), InferencePrecision::bf16);
  const auto a = sample::compare_precisions(f32, bf16, replay_request(500));
  EXPECT_GE(a.steps, 500);
  EXPECT_GE(a.same_top_fraction(), 0.99) << a.same_top << " of " << a.steps;
  EXPECT_LT(a.mean_kl, 1e-3) << "max " << a.max_kl;
  EXPECT_GT(a.mean_kl, 0.0);  // bf16 really ran
}

TEST(PrecisionGuard, TheInt8CacheFollowsF32WithTheBundledModel) {
  std::filesystem::path path;
  try {
    path = bundled_model_path();
  } catch (const Error&) {
    EMOPIANO_MISSING("the bundled model");
  }
  const Model f32 = Model::load(path, LoadOptions{InferencePrecision::f32});
  const Model int8 = Model::load(path, LoadOptions{InferencePrecision::bf16, KvCacheStorage::int8});
  ASSERT_EQ(int8.kv_cache_storage(), KvCacheStorage::int8);
  const auto a = sample::compare_precisions(f32, int8, replay_request(500));
  EXPECT_GE(a.steps, 500);
  EXPECT_GE(a.same_top_fraction(), 0.99) << a.same_top << " of " << a.steps;
  EXPECT_LT(a.mean_kl, 1e-3) << "max " << a.max_kl;
  // Not the bf16 cache under another name.
  const Model bf16 = Model::load(path, LoadOptions{InferencePrecision::bf16});
  EXPECT_GT(sample::compare_precisions(bf16, int8, replay_request(40)).mean_kl, 0.0);
}

TEST(PrecisionGuard, TheReplayTellsModelsApart) {
  std::filesystem::path path;
  try {
    path = bundled_model_path();
  } catch (const Error&) {
    EMOPIANO_MISSING("the bundled model");
  }
  const Model f32 = Model::load(path, LoadOptions{InferencePrecision::f32});
  const Model same = Model::load(path, LoadOptions{InferencePrecision::f32});
  const auto identical = sample::compare_precisions(f32, same, replay_request(40));
  EXPECT_EQ(identical.same_top, identical.steps);
  EXPECT_EQ(identical.mean_kl, 0.0);
  // Another network of the same shape fails the guard.
  const Model other = Model::create(f32.config(), f32.tokenizer().config(), 1);
  const auto a = sample::compare_precisions(f32, other, replay_request(40));
  EXPECT_LT(a.same_top_fraction(), 0.99);
  EXPECT_GT(a.mean_kl, 1e-3);
}

}  // namespace
}  // namespace emopiano
