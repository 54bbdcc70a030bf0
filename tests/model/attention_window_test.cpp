// A sliding attention window (ModelConfig::attention_window): every path
// (training's blocked attention, the LibTorch cache, the fused bf16 and int8
// steps, a prompt in one chunk) attends to the same keys, a token's output
// does not depend on tokens its window has left behind, and the model file
// and fine-tuning keep it.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <limits>

#include <nlohmann/json.hpp>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "emopiano/trainer.hpp"
#include "kernels/attention_window.hpp"
#include "model/causal_attention.hpp"
#include "model/emotion_transformer.hpp"
#include "model/model_impl.hpp"
#include "model/network_inputs.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace attention_window {  // the test sources are compiled together (unity build)
namespace {

using kernels::window_first_key;

constexpr int64_t kVocab = 53;
constexpr int64_t kPositionsPerBar = 16;
constexpr int64_t kContext = 96;

ModelConfig window_config(int window, int kv_heads = 0) {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 48;
  c.n_heads = 4;
  c.n_kv_heads = kv_heads;
  c.d_ff = 80;
  c.context_length = static_cast<int>(kContext);
  c.attention_window = window;
  c.max_bars = 16;
  c.dropout = 0.0f;
  return c;
}

// Sharpened weights (network_inputs.hpp).
EmotionTransformer window_net(int window, int kv_heads = 0) {
  EmotionTransformer net(window_config(window, kv_heads), kVocab, kPositionsPerBar);
  net->init_weights(3);
  test::sharpen_weights(net);
  return net;
}

using Inputs = test::NetInputs;
using test::full_forward;
using test::relative_error;

Inputs random_inputs(int64_t B, int64_t T, uint64_t seed) {
  return test::random_net_inputs(B, T, seed, kVocab, kPositionsPerBar);
}

torch::Tensor stepped(EmotionTransformer& net, const Inputs& in, int64_t prompt) {
  KVCache cache;
  return test::stepped_forward(net, in, prompt, cache);
}

// softmax(scale q k^T) v with query i (at past + i) seeing keys
// window_first_key(past + i)..past + i, by a dense mask.
torch::Tensor band_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale,
                             int64_t past, int64_t window) {
  const int64_t T = q.size(-2), S = k.size(-2);
  auto mask = torch::zeros({T, S});
  for (int64_t i = 0; i < T; ++i) {
    for (int64_t j = 0; j < S; ++j) {
      if (j > past + i || j < window_first_key(past + i, window)) mask[i][j] = -std::numeric_limits<float>::infinity();
    }
  }
  return torch::matmul(torch::softmax(torch::matmul(q, k.transpose(-2, -1)) * scale + mask, -1), v);
}

TEST(AttentionWindow, AWindowStartsAtAPanelAndHoldsWindowMinus15ToWindowKeys) {
  for (int64_t window : {16, 32, 256}) {
    for (int64_t p = 0; p < 600; ++p) {
      const int64_t first = window_first_key(p, window);
      EXPECT_EQ(first % 16, 0) << p;
      EXPECT_LE(first, p);
      if (p + 1 <= window - 15) EXPECT_EQ(first, 0) << "window " << window << " p " << p;
      if (first > 0) {
        EXPECT_GE(p - first + 1, window - 15) << "window " << window << " p " << p;
        EXPECT_LE(p - first + 1, window) << "window " << window << " p " << p;
      }
    }
  }
  EXPECT_EQ(window_first_key(1000, 0), 0);
  EXPECT_EQ(window_first_key(47, 32), 16);
  EXPECT_EQ(window_first_key(48, 32), 32);
}

TEST(AttentionWindow, BlockedAttentionIsTheBandMaskedSoftmaxAndSoAreItsGradients) {
  auto gen = at::detail::createCPUGenerator(17);
  for (int64_t past : {0, 21}) {
    const int64_t T = 57, S = past + T, D = 8;
    auto q = torch::randn({2, 3, T, D}, gen).mul(2.0), k = torch::randn({2, 3, S, D}, gen).mul(2.0);
    auto v = torch::randn({2, 3, S, D}, gen);
    for (int64_t window : {16, 32, 48}) {
      for (int64_t block : {0, 8, 20, 128}) {
        auto q1 = q.clone().requires_grad_(), k1 = k.clone().requires_grad_(), v1 = v.clone().requires_grad_();
        auto q2 = q.clone().requires_grad_(), k2 = k.clone().requires_grad_(), v2 = v.clone().requires_grad_();
        auto got = detail::causal_attention(q1, k1, v1, 0.35, past, 0.0, block, window);
        auto want = band_attention(q2, k2, v2, 0.35, past, window);
        ASSERT_TRUE(torch::allclose(got, want, 1e-4, 1e-5)) << "past " << past << " window " << window << " block "
                                                            << block << ": " << (got - want).abs().max().item<float>();
        auto g = torch::randn_like(want);
        (got * g).sum().backward();
        (want * g).sum().backward();
        EXPECT_TRUE(torch::allclose(q1.grad(), q2.grad(), 1e-4, 1e-5)) << "q, window " << window;
        EXPECT_TRUE(torch::allclose(k1.grad(), k2.grad(), 1e-4, 1e-5)) << "k, window " << window;
        EXPECT_TRUE(torch::allclose(v1.grad(), v2.grad(), 1e-4, 1e-5)) << "v, window " << window;
      }
    }
    // Without a window the band is the causal triangle: the same function.
    EXPECT_TRUE(torch::allclose(detail::causal_attention(q, k, v, 0.35, past, 0.0, 20, 0),
                                band_attention(q, k, v, 0.35, past, 0), 1e-4, 1e-5));
  }
}

TEST(AttentionWindow, ATokenDoesNotHearTokensItsWindowLeftBehind) {
  auto in = random_inputs(1, 90, 5);
  auto changed = in;
  changed.tokens = in.tokens.clone();
  changed.tokens.slice(1, 0, 20).add_(1).remainder_(kVocab);  // the first 20 tokens
  auto windowed = window_net(32), whole = window_net(0);
  const auto a = full_forward(windowed, in), b = full_forward(windowed, changed);
  // Position 63 sees keys from window_first_key(63, 32) = 32, after two layers
  // still only tokens from 16 on; position 19 sees the change.
  for (int64_t p = 64; p < 90; ++p) {
    EXPECT_TRUE(torch::allclose(a.select(1, p), b.select(1, p), 1e-5, 1e-6))
        << p << ": " << (a.select(1, p) - b.select(1, p)).abs().max().item<float>();
  }
  EXPECT_GT(relative_error(b.select(1, 19), a.select(1, 19)), 1e-2);
  // Without the window the same change reaches the end of the piece.
  EXPECT_GT(relative_error(full_forward(whole, changed).select(1, 89), full_forward(whole, in).select(1, 89)), 1e-3);
}

TEST(AttentionWindow, CachedStepsAndChunksEqualTheFullForward) {
  for (int kv : {0, 1}) {
    auto net = window_net(32, kv), whole = window_net(0, kv);
    auto in = random_inputs(2, 90, 11);
    const auto full = full_forward(net, in);
    // The window changes the logits: the test below cannot pass by ignoring it.
    ASSERT_GT(relative_error(full_forward(whole, in).slice(1, 40), full.slice(1, 40)), 5e-2);
    for (int64_t prompt : {0, 9, 50}) {
      const auto got = stepped(net, in, prompt);
      EXPECT_TRUE(torch::allclose(full, got, 1e-4, 1e-5))
          << "kv " << kv << " prompt " << prompt << ": " << (full - got).abs().max().item<float>();
    }
  }
}

TEST(AttentionWindow, TheFusedStepsFollowTheWindowedFloat32Network) {
  for (int kv : {0, 1}) {
    for (KvCacheStorage storage : {KvCacheStorage::bf16, KvCacheStorage::int8}) {
      auto reference = window_net(32, kv);
      auto unwindowed = window_net(0, kv);
      auto fast = window_net(32, kv);
      fast->prepare_generation(InferencePrecision::bf16, storage);
      auto in = random_inputs(2, 90, 5);
      const auto full = full_forward(reference, in), other = full_forward(unwindowed, in);
      for (int64_t prompt : {0, 7, 60}) {
        const auto got = stepped(fast, in, prompt);
        for (int64_t t = 0; t < 90; ++t) {
          const double error = relative_error(got.select(1, t), full.select(1, t));
          EXPECT_LT(error, 3e-2) << "kv " << kv << " int8 " << (storage == KvCacheStorage::int8) << " prompt " << prompt
                                 << " token " << t;
          // Past the window the fused step is nearer the windowed network
          // than the unwindowed one is.
          if (t >= 48) EXPECT_LT(error, relative_error(other.select(1, t), full.select(1, t)) / 3) << t;
        }
      }
    }
  }
}

TEST(AttentionWindow, AWindowAsLongAsTheContextIsNoWindow) {
  auto in = random_inputs(1, kContext, 8);
  auto whole = window_net(0), wide = window_net(static_cast<int>(kContext));
  EXPECT_TRUE(torch::allclose(full_forward(whole, in), full_forward(wide, in), 1e-5, 1e-6));
}

TEST(AttentionWindow, TheConfigSaysItOnlyWhenThereIsOne) {
  const ModelConfig plain = window_config(0);
  EXPECT_FALSE(nlohmann::json::parse(plain.to_json()).contains("attention_window"));
  const ModelConfig windowed = window_config(64);
  EXPECT_EQ(nlohmann::json::parse(windowed.to_json()).at("attention_window"), 64);
  EXPECT_EQ(ModelConfig::from_json(windowed.to_json()).attention_window, 64);
  EXPECT_FALSE(windowed == plain);
  for (const char* bad : {R"({"attention_window": 8})", R"({"attention_window": -16})", R"({"attention_window": 40})",
                          R"({"attention_window": 70000})"}) {
    try {
      ModelConfig::from_json(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << bad;
      EXPECT_NE(std::string(e.what()).find("attention_window"), std::string::npos) << e.what();
    }
  }
}

TEST(AttentionWindow, AModelFileKeepsItsWindowAndFineTuningSetsIt) {
  const auto dir = test::temp_dir("attention_window");
  ModelConfig c = window_config(0);
  Model whole = Model::create(c, TokenizerConfig{}, 5);
  whole.save(dir / "whole.pt");
  c.attention_window = 32;
  Model windowed = load_model_for_fine_tuning(dir / "whole.pt", &c, nullptr);
  EXPECT_EQ(windowed.config().attention_window, 32);
  auto from = impl_of(whole).net->named_parameters(true);
  for (auto& p : impl_of(windowed).net->named_parameters(true))
    EXPECT_TRUE(torch::equal(p.value(), from[p.key()])) << p.key();
  windowed.save(dir / "windowed.pt");
  Model loaded = Model::load(dir / "windowed.pt");
  EXPECT_EQ(loaded.config().attention_window, 32);
  torch::NoGradGuard no_grad;
  const int64_t T = 70;
  auto tokens = torch::arange(T, torch::kLong).remainder(whole.tokenizer().vocab_size()).unsqueeze(0);
  auto bars = torch::arange(T, torch::kLong).div(16, "floor").unsqueeze(0);
  auto positions = torch::arange(T, torch::kLong).remainder(16).unsqueeze(0);
  auto emotion = torch::full({1, T, 4}, 0.25f);
  const auto a = impl_of(loaded).net->forward(tokens, bars, positions, emotion);
  EXPECT_TRUE(torch::equal(a, impl_of(windowed).net->forward(tokens, bars, positions, emotion)));
  EXPECT_FALSE(torch::allclose(a, impl_of(whole).net->forward(tokens, bars, positions, emotion)));
}

}  // namespace
}  // namespace attention_window
}  // namespace emopiano
