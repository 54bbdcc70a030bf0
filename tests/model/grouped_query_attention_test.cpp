// Grouped-query attention (ModelConfig::n_kv_heads): query heads share
// key/value heads, and every path (training, the LibTorch cache, the fused
// bf16 and int8 steps, the model file) computes the same network.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "emopiano/trainer.hpp"
#include "model/emotion_transformer.hpp"
#include "model/model_impl.hpp"
#include "model/network_inputs.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace grouped_query {  // the test sources are compiled together (unity build)
namespace {

constexpr int64_t kVocab = 53;
constexpr int64_t kPositionsPerBar = 16;

// Heads of 12 values: not a multiple of any kernel's lanes.
ModelConfig grouped_config(int kv_heads) {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 48;
  c.n_heads = 4;
  c.n_kv_heads = kv_heads;
  c.d_ff = 80;
  c.context_length = 40;
  c.max_bars = 8;
  c.dropout = 0.0f;
  return c;
}

// Sharpened weights (network_inputs.hpp).
EmotionTransformer grouped_net(int kv_heads, uint64_t seed = 3) {
  EmotionTransformer net(grouped_config(kv_heads), kVocab, kPositionsPerBar);
  net->init_weights(seed);
  test::sharpen_weights(net);
  return net;
}

using Inputs = test::NetInputs;
using test::full_forward;
using test::relative_error;

Inputs random_inputs(int64_t B, int64_t T, uint64_t seed) {
  return test::random_net_inputs(B, T, seed, kVocab, kPositionsPerBar);
}

torch::Tensor stepped(EmotionTransformer& net, const Inputs& in, int64_t prompt, KVCache& cache) {
  return test::stepped_forward(net, in, prompt, cache);
}

// An ordinary network (one K/V head per query head) with the grouped
// network's weights, query head h given the keys and values of the grouped
// network's K/V head kv_of(h).
template <typename KvOf>
EmotionTransformer ungrouped_copy(EmotionTransformer& grouped, int kv, KvOf kv_of) {
  auto full = grouped_net(4);
  torch::NoGradGuard no_grad;
  auto from = grouped->named_parameters();
  for (auto& p : full->named_parameters()) {
    const auto& g = from[p.key()];
    if (p.key().find("qkv") == std::string::npos) {
      p.value().copy_(g);
      continue;
    }
    const int64_t d = 48, D = 12, H = 4;
    p.value().narrow(0, 0, d).copy_(g.narrow(0, 0, d));  // the queries
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t part : {0, 1}) {  // keys, then values
        p.value().narrow(0, d + part * H * D + h * D, D).copy_(g.narrow(0, d + part * kv * D + kv_of(h) * D, D));
      }
    }
  }
  return full;
}

TEST(GroupedQueryAttention, IsAFullAttentionWhoseHeadsRepeatTheirKeysAndValues) {
  // Query head h reads K/V head h / (n_heads / n_kv_heads).
  auto in = random_inputs(2, 20, 9);
  for (int kv : {1, 2}) {
    auto grouped = grouped_net(kv);
    auto same = ungrouped_copy(grouped, kv, [kv](int64_t h) { return h / (4 / kv); });
    const auto a = full_forward(grouped, in), b = full_forward(same, in);
    EXPECT_TRUE(torch::allclose(a, b, 1e-4, 1e-5)) << "kv " << kv << ": " << (a - b).abs().max().item<float>();
    if (kv == 2) {  // another assignment of heads to groups is another network
      auto other = ungrouped_copy(grouped, kv, [](int64_t h) { return h % 2; });
      EXPECT_GT(relative_error(full_forward(other, in), a), 1e-2);
    }
  }
}

TEST(GroupedQueryAttention, TheQkvProjectionAndTheCacheShrink) {
  auto net = grouped_net(1);
  auto& block = *net->blocks->ptr<TransformerBlockImpl>(0);
  EXPECT_EQ(block.qkv->weight.sizes().vec(), (std::vector<int64_t>{48 + 2 * 12, 48}));
  KVCache cache;
  stepped(net, random_inputs(2, 5, 1), 0, cache);
  EXPECT_EQ(cache.keys[0].sizes().vec(), (std::vector<int64_t>{2, 1, 40, 12}));
}

TEST(GroupedQueryAttention, CachedStepsAndChunksEqualTheFullForward) {
  for (int kv : {1, 2}) {
    auto net = grouped_net(kv);
    auto in = random_inputs(2, 30, 11);
    const auto full = full_forward(net, in);
    for (int64_t prompt : {0, 9}) {
      KVCache cache;
      const auto got = stepped(net, in, prompt, cache);
      EXPECT_TRUE(torch::allclose(full, got, 1e-4, 1e-5))
          << "kv " << kv << " prompt " << prompt << ": " << (full - got).abs().max().item<float>();
    }
  }
}

TEST(GroupedQueryAttention, TheFusedStepsFollowTheFloat32Network) {
  for (int kv : {1, 2}) {
    for (KvCacheStorage storage : {KvCacheStorage::bf16, KvCacheStorage::int8}) {
      auto reference = grouped_net(kv);
      auto fast = grouped_net(kv);
      fast->prepare_generation(InferencePrecision::bf16, storage);
      auto in = random_inputs(2, 30, 5);
      const auto full = full_forward(reference, in);
      for (int64_t prompt : {0, 7}) {
        KVCache cache;
        const auto got = stepped(fast, in, prompt, cache);
        ASSERT_EQ(cache.keys[0].scalar_type(), storage == KvCacheStorage::int8 ? torch::kChar : torch::kBFloat16);
        EXPECT_EQ(cache.keys[0].size(1), kv);
        for (int64_t t = 0; t < 30; ++t) {
          EXPECT_LT(relative_error(got.select(1, t), full.select(1, t)), 3e-2)
              << "kv " << kv << " int8 " << (storage == KvCacheStorage::int8) << " prompt " << prompt << " token " << t;
        }
        // The fused step ran, not the float32 path.
        EXPECT_FALSE(torch::equal(got.slice(1, 9), full.slice(1, 9)));
      }
    }
  }
}

TEST(GroupedQueryAttention, TrainingReachesEveryParameter) {
  auto net = grouped_net(2);
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

TEST(GroupedQueryAttention, TheConfigSaysItOnlyWhenItGroups) {
  ModelConfig plain = grouped_config(0);
  EXPECT_FALSE(nlohmann::json::parse(plain.to_json()).contains("n_kv_heads"));
  EXPECT_TRUE(ModelConfig::from_json(plain.to_json()) == plain);
  EXPECT_TRUE(grouped_config(4) == plain);  // as many K/V heads as heads is the plain model
  const ModelConfig grouped = grouped_config(2);
  EXPECT_EQ(nlohmann::json::parse(grouped.to_json()).at("n_kv_heads"), 2);
  const ModelConfig back = ModelConfig::from_json(grouped.to_json());
  EXPECT_EQ(back.kv_heads(), 2);
  EXPECT_FALSE(back == plain);
  for (const char* bad : {R"({"n_heads": 4, "n_kv_heads": 3})", R"({"n_heads": 4, "n_kv_heads": 8})",
                          R"({"n_heads": 4, "n_kv_heads": -1})"}) {
    try {
      ModelConfig::from_json(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << bad;
      EXPECT_NE(std::string(e.what()).find("n_kv_heads"), std::string::npos) << e.what();
    }
  }
}

TEST(GroupedQueryAttention, AModelFileKeepsItsGrouping) {
  const auto dir = test::temp_dir("grouped_query_attention");
  ModelConfig c = grouped_config(1);
  c.n_layers = 1;
  Model model = Model::create(c, TokenizerConfig{}, 5);
  model.save(dir / "grouped.pt");
  Model loaded = Model::load(dir / "grouped.pt");
  EXPECT_EQ(loaded.config().kv_heads(), 1);
  EXPECT_EQ(loaded.parameter_count(), model.parameter_count());
  c.n_kv_heads = 0;
  EXPECT_LT(model.parameter_count(), Model::create(c, TokenizerConfig{}, 5).parameter_count());
  torch::NoGradGuard no_grad;
  const int64_t T = 10;
  auto tokens = torch::arange(T, torch::kLong).remainder(model.tokenizer().vocab_size()).unsqueeze(0);
  auto bars = torch::zeros({1, T}, torch::kLong), positions = torch::arange(T, torch::kLong).unsqueeze(0);
  auto emotion = torch::full({1, T, 4}, 0.25f);
  EXPECT_TRUE(torch::equal(impl_of(loaded).net->forward(tokens, bars, positions, emotion),
                           impl_of(model).net->forward(tokens, bars, positions, emotion)));
}

TEST(GroupedQueryAttention, AnOrdinaryModelStartsAGroupedRunWithItsKeyValueHeadsAveraged) {
  const auto dir = test::temp_dir("grouped_from_ordinary");
  ModelConfig c = grouped_config(0);
  Model ordinary = Model::create(c, TokenizerConfig{}, 7);
  ordinary.save(dir / "ordinary.pt");
  const int64_t d = 48, D = 12;
  for (int kv : {2, 1}) {
    c.n_kv_heads = kv;
    Model grouped = load_model_for_fine_tuning(dir / "ordinary.pt", &c, nullptr);
    EXPECT_EQ(grouped.config().kv_heads(), kv);
    auto from = impl_of(ordinary).net->named_parameters(true);
    for (auto& p : impl_of(grouped).net->named_parameters(true)) {
      const auto& f = from[p.key()];
      if (p.key().find("qkv") == std::string::npos) {
        EXPECT_TRUE(torch::equal(p.value(), f)) << p.key();
        continue;
      }
      EXPECT_TRUE(torch::equal(p.value().narrow(0, 0, d), f.narrow(0, 0, d))) << p.key();  // the queries
      for (int64_t part : {0, 1}) {  // keys, then values: head j is the mean of heads j * pool ..
        for (int64_t j = 0; j < kv; ++j) {
          const int64_t pool = 4 / kv;
          auto want = f.narrow(0, d + part * 4 * D + j * pool * D, D).clone();
          for (int64_t i = 1; i < pool; ++i) want += f.narrow(0, d + part * 4 * D + (j * pool + i) * D, D);
          want /= static_cast<double>(pool);
          EXPECT_TRUE(torch::allclose(p.value().narrow(0, d + part * kv * D + j * D, D), want, 1e-6, 1e-7))
              << p.key() << " kv " << kv << " part " << part << " head " << j;
        }
      }
    }
  }
  c.n_kv_heads = 3;
  try {
    load_model_for_fine_tuning(dir / "ordinary.pt", &c, nullptr);
    ADD_FAILURE() << "3 K/V heads from 4 were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("n_kv_heads"), std::string::npos) << e.what();
  }
}

TEST(GroupedQueryAttention, HeadsThatAgreeAverageToTheSameNetwork) {
  // An ordinary model whose K/V heads are all equal computes what the
  // grouped model made from it computes.
  const auto dir = test::temp_dir("grouped_same_network");
  ModelConfig c = grouped_config(0);
  Model ordinary = Model::create(c, TokenizerConfig{}, 9);
  {
    torch::NoGradGuard no_grad;
    const int64_t d = 48, D = 12;
    for (auto& p : impl_of(ordinary).net->named_parameters(true)) {
      if (p.key().find("qkv") == std::string::npos) continue;
      for (int64_t part : {0, 1}) {
        for (int64_t h = 1; h < 4; ++h)
          p.value().narrow(0, d + part * 4 * D + h * D, D).copy_(p.value().narrow(0, d + part * 4 * D, D));
      }
    }
  }
  ordinary.save(dir / "ordinary.pt");
  c.n_kv_heads = 1;
  Model grouped = load_model_for_fine_tuning(dir / "ordinary.pt", &c, nullptr);
  auto in = random_inputs(1, 16, 21);
  torch::NoGradGuard no_grad;
  const auto a = impl_of(ordinary).net->forward(in.tokens, in.bars, in.positions, in.emotion);
  const auto b = impl_of(grouped).net->forward(in.tokens, in.bars, in.positions, in.emotion);
  EXPECT_TRUE(torch::allclose(a, b, 1e-5, 1e-6)) << (a - b).abs().max().item<float>();
}

}  // namespace
}  // namespace grouped_query
}  // namespace emopiano
