// The fused bf16 generation step (prepare_generation): it follows the
// float32 network, does not depend on the batch, hands over to LibTorch
// wherever LibTorch must run, and the f32 option is the LibTorch path itself.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "kernels/int8_cache_rows.hpp"
#include "model/emotion_transformer.hpp"
#include "model/model_impl.hpp"
#include "model/network_inputs.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

constexpr int64_t kStepVocab = 61;
constexpr int64_t kStepPositionsPerBar = 16;

// Odd sizes on purpose: heads of 12, a d_ff and vocabulary that are not
// multiples of the kernels' 16-row panels.
ModelConfig small_config() {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 48;
  c.n_heads = 4;
  c.d_ff = 100;
  c.context_length = 40;
  c.max_bars = 8;
  return c;
}

// Sharpened weights (network_inputs.hpp).
EmotionTransformer net_with_seed(uint64_t seed) {
  EmotionTransformer net(small_config(), kStepVocab, kStepPositionsPerBar);
  net->init_weights(seed);
  test::sharpen_weights(net);
  return net;
}

struct StepInputs {
  torch::Tensor tokens, bars, positions, emotion, keys;
  StepInputs slice(int64_t b0, int64_t b1, int64_t t0, int64_t t1) const {
    auto s = [&](const torch::Tensor& x) { return x.slice(0, b0, b1).slice(1, t0, t1); };
    return {s(tokens), s(bars), s(positions), s(emotion), s(keys)};
  }
};

StepInputs random_step_inputs(int64_t B, int64_t T, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  StepInputs in;
  in.tokens = torch::randint(0, kStepVocab, {B, T}, gen, torch::kLong);
  in.bars = torch::arange(T, torch::kLong).div(7, "floor").unsqueeze(0).repeat({B, 1});
  in.positions = torch::randint(0, kStepPositionsPerBar, {B, T}, gen, torch::kLong);
  in.emotion = torch::softmax(torch::randn({B, T, 4}, gen), -1);
  in.keys = torch::randint(0, kKeyCodes, {B, T}, gen, torch::kLong);
  return in;
}

// Logits of tokens [0, T): a prompt of `prompt` tokens in one chunk, then one at a time.
torch::Tensor stepped(EmotionTransformer& net, const StepInputs& in, int64_t prompt, KVCache& cache) {
  torch::NoGradGuard no_grad;
  const int64_t B = in.tokens.size(0), T = in.tokens.size(1);
  std::vector<torch::Tensor> out;
  for (int64_t t = 0; t < T;) {
    const int64_t end = t == 0 && prompt > 0 ? prompt : t + 1;
    auto s = in.slice(0, B, t, end);
    out.push_back(net->forward_cached(s.tokens, s.bars, s.positions, s.emotion, cache, s.keys));
    t = end;
  }
  return torch::cat(out, 1);
}

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return ((got - want).norm() / want.norm()).item<double>();
}

TEST(GenerationStep, Bf16StepsFollowTheFloat32Network) {
  auto reference = net_with_seed(3);
  auto fast = net_with_seed(3);
  fast->prepare_generation(InferencePrecision::bf16);
  EXPECT_EQ(fast->generation_precision(), InferencePrecision::bf16);
  auto in = random_step_inputs(2, 30, 5);
  torch::Tensor full;
  {
    torch::NoGradGuard no_grad;
    full = reference->forward(in.tokens, in.bars, in.positions, in.emotion, in.keys);
  }
  for (int64_t prompt : {0, 7}) {
    KVCache cache;
    auto got = stepped(fast, in, prompt, cache);
    ASSERT_EQ(cache.keys[0].scalar_type(), torch::kBFloat16);
    EXPECT_EQ(cache.length, 30);
    for (int64_t t = 0; t < 30; ++t) {
      const double e = relative_error(got.select(1, t), full.select(1, t));
      // bf16 keeps 8 bits of each weight: about 0.4% per value, less on sums.
      EXPECT_LT(e, 2e-2) << "prompt " << prompt << ", token " << t;
    }
    // Not the float32 path under another name.
    EXPECT_FALSE(torch::equal(got.slice(1, std::max<int64_t>(prompt, 1)), full.slice(1, std::max<int64_t>(prompt, 1))));
  }
}

TEST(GenerationStep, Int8CacheStepsFollowTheFloat32Network) {
  auto reference = net_with_seed(3);
  auto fast = net_with_seed(3);
  auto bf16 = net_with_seed(3);
  fast->prepare_generation(InferencePrecision::bf16, KvCacheStorage::int8);
  bf16->prepare_generation(InferencePrecision::bf16);
  EXPECT_EQ(fast->kv_cache_storage(), KvCacheStorage::int8);
  auto in = random_step_inputs(2, 30, 5);
  torch::Tensor full;
  {
    torch::NoGradGuard no_grad;
    full = reference->forward(in.tokens, in.bars, in.positions, in.emotion, in.keys);
  }
  for (int64_t prompt : {0, 7}) {
    KVCache cache, bf16_cache;
    auto got = stepped(fast, in, prompt, cache);
    ASSERT_EQ(cache.keys[0].scalar_type(), torch::kChar);
    EXPECT_EQ(cache.keys[0].size(3), kernels::int8_row_bytes(fast->config.d_model / fast->config.n_heads));
    for (int64_t t = 0; t < 30; ++t) {
      // int8 keeps each cached value to 1/254 of its row's largest.
      EXPECT_LT(relative_error(got.select(1, t), full.select(1, t)), 3e-2) << "prompt " << prompt << ", token " << t;
    }
    // Not the bf16 cache under another name.
    auto with_bf16 = stepped(bf16, in, prompt, bf16_cache);
    EXPECT_FALSE(torch::equal(got.slice(1, 1), with_bf16.slice(1, 1)));
  }
}

TEST(GenerationStep, LibTorchContinuesAnInt8Cache) {
  auto net = net_with_seed(7);
  net->prepare_generation(InferencePrecision::bf16, KvCacheStorage::int8);
  auto in = random_step_inputs(1, 12, 8);
  KVCache fused_cache, mixed_cache;
  auto fused = stepped(net, in, 0, fused_cache);
  stepped(net, in.slice(0, 1, 0, 11), 0, mixed_cache);
  auto last = in.slice(0, 1, 11, 12);
  auto with_grad = net->forward_cached(last.tokens, last.bars, last.positions, last.emotion, mixed_cache, last.keys);
  EXPECT_TRUE(with_grad.requires_grad());
  // Both read the same int8 rows; the LibTorch step's weights are float32.
  EXPECT_LT(relative_error(with_grad.detach().select(1, 0), fused.select(1, 11)), 2e-2);
}

TEST(GenerationStep, EachRowIsComputedAsItWouldBeAlone) {
  for (KvCacheStorage kv : {KvCacheStorage::bf16, KvCacheStorage::int8}) {
    auto net = net_with_seed(4);
    net->prepare_generation(InferencePrecision::bf16, kv);
    auto in = random_step_inputs(3, 20, 6);
    KVCache both_cache;
    auto both = stepped(net, in, 0, both_cache);
    for (int64_t b = 0; b < 3; ++b) {
      KVCache cache;
      auto alone = stepped(net, in.slice(b, b + 1, 0, 20), 0, cache);
      EXPECT_TRUE(torch::equal(alone, both.slice(0, b, b + 1)))
          << "row " << b << (kv == KvCacheStorage::int8 ? ", int8 cache" : ", bf16 cache");
    }
  }
}

// Chunks of several tokens (a prompt, a window's refill, a chunk after
// cached tokens) run the fused path too, and give what their tokens give one
// at a time, bit for bit: each row's products do not depend on how many rows
// a call has, and each token attends to the keys written before it.
TEST(GenerationStep, AChunkGivesWhatItsTokensGiveOneAtATime) {
  for (KvCacheStorage kv : {KvCacheStorage::bf16, KvCacheStorage::int8}) {
    auto net = net_with_seed(9);
    net->prepare_generation(InferencePrecision::bf16, kv);
    auto in = random_step_inputs(2, 24, 10);
    KVCache one_cache, chunk_cache;
    auto one_at_a_time = stepped(net, in, 0, one_cache);
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> out;
    for (auto [from, to] : {std::pair<int64_t, int64_t>{0, 9}, {9, 10}, {10, 21}, {21, 24}}) {
      auto s = in.slice(0, 2, from, to);
      out.push_back(net->forward_cached(s.tokens, s.bars, s.positions, s.emotion, chunk_cache, s.keys));
    }
    EXPECT_EQ(chunk_cache.keys[0].scalar_type(), kv == KvCacheStorage::int8 ? torch::kChar : torch::kBFloat16);
    EXPECT_TRUE(torch::equal(torch::cat(out, 1), one_at_a_time))
        << (kv == KvCacheStorage::int8 ? "int8 cache" : "bf16 cache");
  }
}

TEST(GenerationStep, F32IsTheLibTorchPathBitForBit) {
  auto plain = net_with_seed(5);
  auto switched = net_with_seed(5);
  switched->prepare_generation(InferencePrecision::bf16);
  switched->prepare_generation(InferencePrecision::f32);
  EXPECT_EQ(switched->generation_precision(), InferencePrecision::f32);
  auto in = random_step_inputs(2, 16, 7);
  KVCache a, b;
  auto want = stepped(plain, in, 4, a);
  auto got = stepped(switched, in, 4, b);
  EXPECT_EQ(b.keys[0].scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(got, want));
}

TEST(GenerationStep, TrainingDropsThePackedCopy) {
  auto net = net_with_seed(6);
  net->prepare_generation(InferencePrecision::bf16);
  net->eval();
  EXPECT_EQ(net->generation_precision(), InferencePrecision::bf16);
  net->train();
  EXPECT_EQ(net->generation_precision(), InferencePrecision::f32);
  net->eval();
  EXPECT_EQ(net->generation_precision(), InferencePrecision::f32);
}

TEST(GenerationStep, LibTorchContinuesABf16Cache) {
  // With gradients on, the step runs in LibTorch and reads the bf16 cache
  // the fused steps wrote.
  auto net = net_with_seed(7);
  net->prepare_generation(InferencePrecision::bf16);
  auto in = random_step_inputs(1, 12, 8);
  KVCache fused_cache, mixed_cache;
  auto fused = stepped(net, in, 0, fused_cache);
  stepped(net, in.slice(0, 1, 0, 11), 0, mixed_cache);
  auto last = in.slice(0, 1, 11, 12);
  auto with_grad = net->forward_cached(last.tokens, last.bars, last.positions, last.emotion, mixed_cache, last.keys);
  EXPECT_TRUE(with_grad.requires_grad());
  EXPECT_LT(relative_error(with_grad.detach().select(1, 0), fused.select(1, 11)), 2e-2);
}

TEST(GenerationStep, FusedStepsReadTheKeysLibTorchWrote) {
  // A prompt of 20 tokens run with gradients (LibTorch writes the keys into
  // the panels of sixteen positions, across a panel's end), then fused steps.
  auto net = net_with_seed(9);
  net->prepare_generation(InferencePrecision::bf16);
  auto in = random_step_inputs(2, 24, 10);
  KVCache fused_cache, mixed_cache;
  auto fused = stepped(net, in, 0, fused_cache);
  auto prompt = in.slice(0, 2, 0, 20);
  net->forward_cached(prompt.tokens, prompt.bars, prompt.positions, prompt.emotion, mixed_cache, prompt.keys);
  std::vector<torch::Tensor> rest;
  torch::NoGradGuard no_grad;
  for (int64_t t = 20; t < 24; ++t) {
    auto s = in.slice(0, 2, t, t + 1);
    rest.push_back(net->forward_cached(s.tokens, s.bars, s.positions, s.emotion, mixed_cache, s.keys));
  }
  // The LibTorch prompt's weights are float32, so its keys differ from the
  // fused steps' by their rounding; read in the wrong places they would not.
  EXPECT_LT(relative_error(torch::cat(rest, 1), fused.slice(1, 20, 24)), 2e-2);
}

TEST(GenerationStep, RejectsATokenOutsideTheVocabulary) {
  auto net = net_with_seed(8);
  net->prepare_generation(InferencePrecision::bf16);
  torch::NoGradGuard no_grad;
  KVCache cache;
  auto bad = torch::full({1, 1}, kStepVocab, torch::kLong);
  auto zero = torch::zeros({1, 1}, torch::kLong);
  EXPECT_THROW(net->forward_cached(bad, zero, zero, torch::zeros({1, 1, 4}), cache), Error);
  EXPECT_THROW(net->forward_cached(zero, zero, zero, torch::zeros({1, 1, 3}), cache), Error);
}

TEST(GenerationStep, LoadingChoosesThePrecision) {
  TokenizerConfig tok;
  ModelConfig config = small_config();
  config.context_length = 64;
  const auto dir = test::temp_dir("generation_step");
  Model::create(config, tok, 1).save(dir / "m.pt");
  EXPECT_EQ(Model::create(config, tok, 1).inference_precision(), InferencePrecision::f32);
  EXPECT_EQ(Model::load(dir / "m.pt").inference_precision(), InferencePrecision::bf16);
  EXPECT_EQ(Model::load(dir / "m.pt", LoadOptions{InferencePrecision::f32}).inference_precision(),
            InferencePrecision::f32);
  EXPECT_EQ(Model::load(dir / "m.pt").kv_cache_storage(), KvCacheStorage::bf16);
  EXPECT_EQ(Model::load(dir / "m.pt", LoadOptions{InferencePrecision::bf16, KvCacheStorage::int8}).kv_cache_storage(),
            KvCacheStorage::int8);
  // f32 keeps a float cache whatever is asked.
  EXPECT_EQ(Model::load(dir / "m.pt", LoadOptions{InferencePrecision::f32, KvCacheStorage::int8}).kv_cache_storage(),
            KvCacheStorage::bf16);
}

}  // namespace
}  // namespace emopiano
