// Model entry points: create, save, load, describe, the bundled model path,
// and damaged or missing model files.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "capi/capi_fixtures.hpp"
#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"
#include "support/test_support.hpp"

namespace {

using emopiano::capi_test::Owned;

constexpr const char* kSmallModel =
    R"({"n_layers": 1, "d_model": 32, "n_heads": 2, "d_ff": 64, "context_length": 128, "max_bars": 32})";

struct ModelHandle {
  emopiano_model* m = nullptr;
  ModelHandle() = default;
  ModelHandle(const ModelHandle&) = delete;
  ~ModelHandle() { emopiano_model_free(m); }
};

TEST(CapiModel, CreateMatchesTheCppModel) {
  ModelHandle h;
  ASSERT_C_OK(emopiano_model_create(&h.m, kSmallModel, nullptr, 7));
  const auto cpp = emopiano::Model::create(emopiano::ModelConfig::from_json(kSmallModel), {}, 7);
  int64_t params = 0;
  ASSERT_C_OK(emopiano_model_parameter_count(&params, h.m));
  EXPECT_EQ(params, cpp.parameter_count());
  EXPECT_GT(params, 1000);
  int32_t vocab = 0;
  ASSERT_C_OK(emopiano_model_vocab_size(&vocab, h.m));
  EXPECT_EQ(vocab, cpp.tokenizer().vocab_size());

  char* json = nullptr;
  ASSERT_C_OK(emopiano_model_config_json(&json, h.m));
  Owned<char> owned(json);
  EXPECT_EQ(emopiano::ModelConfig::from_json(json), cpp.config());
  EXPECT_EQ(nlohmann::json::parse(json).at("d_model").get<int>(), 32);

  char* meta = nullptr;
  ASSERT_C_OK(emopiano_model_metadata_json(&meta, h.m));
  Owned<char> owned_meta(meta);
  EXPECT_TRUE(nlohmann::json::parse(meta).is_object());

  emopiano_tokenizer* tok = nullptr;
  ASSERT_C_OK(emopiano_model_tokenizer(&tok, h.m));
  int32_t tok_vocab = 0;
  ASSERT_C_OK(emopiano_tokenizer_vocab_size(&tok_vocab, tok));
  EXPECT_EQ(tok_vocab, vocab);
  emopiano_tokenizer_free(tok);
}

TEST(CapiModel, TokenizerConfigTakesEffect) {
  ModelHandle a, b;
  ASSERT_C_OK(emopiano_model_create(&a.m, kSmallModel, nullptr, 1));
  ASSERT_C_OK(emopiano_model_create(&b.m, kSmallModel, R"({"velocity_bins": 8})", 1));
  int32_t va = 0, vb = 0;
  ASSERT_C_OK(emopiano_model_vocab_size(&va, a.m));
  ASSERT_C_OK(emopiano_model_vocab_size(&vb, b.m));
  EXPECT_EQ(va - vb, 32 - 8);
}

TEST(CapiModel, SaveLoadRoundTrip) {
  const auto dir = emopiano::test::temp_dir("capi-model");
  ModelHandle h;
  ASSERT_C_OK(emopiano_model_create(&h.m, kSmallModel, nullptr, 3));
  const auto f32 = (dir / "tiny.pt").string();
  const auto f16 = (dir / "tiny16.pt").string();
  ASSERT_C_OK(emopiano_model_save(h.m, f32.c_str(), EMOPIANO_WEIGHTS_F32));
  ASSERT_C_OK(emopiano_model_save(h.m, f16.c_str(), EMOPIANO_WEIGHTS_F16));
  EXPECT_LT(std::filesystem::file_size(f16), std::filesystem::file_size(f32) * 3 / 4);

  ModelHandle loaded;
  ASSERT_C_OK(emopiano_model_load(&loaded.m, f32.c_str()));
  int64_t p1 = 0, p2 = 0;
  ASSERT_C_OK(emopiano_model_parameter_count(&p1, h.m));
  ASSERT_C_OK(emopiano_model_parameter_count(&p2, loaded.m));
  EXPECT_EQ(p1, p2);
  char *j1 = nullptr, *j2 = nullptr;
  ASSERT_C_OK(emopiano_model_config_json(&j1, h.m));
  ASSERT_C_OK(emopiano_model_config_json(&j2, loaded.m));
  EXPECT_STREQ(j1, j2);
  emopiano_free(j1);
  emopiano_free(j2);
}

TEST(CapiModel, DamagedAndMissingFiles) {
  const auto dir = emopiano::test::temp_dir("capi-model");
  ModelHandle h;
  ASSERT_C_OK(emopiano_model_create(&h.m, kSmallModel, nullptr, 3));
  const auto good = dir / "tiny.pt";
  ASSERT_C_OK(emopiano_model_save(h.m, good.c_str(), EMOPIANO_WEIGHTS_F32));
  const auto bytes = emopiano::capi_test::read_bytes(good);

  emopiano_model* m = reinterpret_cast<emopiano_model*>(0x1);
  const auto missing = (dir / "missing.pt").string();
  EXPECT_C_ERROR(emopiano_model_load(&m, missing.c_str()), EMOPIANO_ERROR_IO, "missing.pt");
  EXPECT_EQ(m, nullptr);

  // Truncated anywhere: a format error naming the file, never a crash.
  for (size_t keep :
       {static_cast<size_t>(0), static_cast<size_t>(3), static_cast<size_t>(16), bytes.size() / 3, bytes.size() - 1}) {
    const auto cut = dir / ("cut" + std::to_string(keep) + ".pt");
    emopiano::capi_test::write_bytes(cut, std::vector<uint8_t>(bytes.begin(), bytes.begin() + keep));
    EXPECT_C_ERROR(emopiano_model_load(&m, cut.c_str()), EMOPIANO_ERROR_FORMAT, cut.filename().string());
    EXPECT_EQ(m, nullptr);
  }
  // One flipped byte in the weights: the checksum catches it.
  auto flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x5A;
  const auto bad = dir / "flipped.pt";
  emopiano::capi_test::write_bytes(bad, flipped);
  EXPECT_C_ERROR(emopiano_model_load(&m, bad.c_str()), EMOPIANO_ERROR_FORMAT, "flipped.pt");
  EXPECT_C_ERROR(emopiano_model_load(&m, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "path");
  EXPECT_C_ERROR(emopiano_model_load(nullptr, good.c_str()), EMOPIANO_ERROR_INVALID_ARGUMENT, "out");
}

TEST(CapiModel, ArgumentErrors) {
  emopiano_model* m = nullptr;
  EXPECT_C_ERROR(emopiano_model_create(&m, "{nope", nullptr, 0), EMOPIANO_ERROR_FORMAT, "");
  EXPECT_EQ(emopiano_model_create(&m, R"({"d_model": 30, "n_heads": 4})", nullptr, 0), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_model_create(&m, kSmallModel, R"({"velocity_bins": -2})", 0), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_C_ERROR(emopiano_model_create(&m, R"({"attention_window": 24})", nullptr, 0), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "attention_window");
  EXPECT_EQ(m, nullptr);

  ModelHandle h;
  ASSERT_C_OK(emopiano_model_create(&h.m, kSmallModel, nullptr, 3));
  const auto dir = emopiano::test::temp_dir("capi-model");
  const auto path = (dir / "x.pt").string();
  EXPECT_C_ERROR(emopiano_model_save(h.m, path.c_str(), 3), EMOPIANO_ERROR_INVALID_ARGUMENT, "weight storage 3");
  EXPECT_C_ERROR(emopiano_model_save(nullptr, path.c_str(), 0), EMOPIANO_ERROR_INVALID_ARGUMENT, "model");
  EXPECT_C_ERROR(emopiano_model_save(h.m, "/nonexistent-dir/x.pt", 0), EMOPIANO_ERROR_IO, "nonexistent-dir");
  EXPECT_FALSE(std::filesystem::exists(path));
  int64_t count = 0;
  EXPECT_C_ERROR(emopiano_model_parameter_count(&count, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "model");
  EXPECT_C_ERROR(emopiano_model_parameter_count(nullptr, h.m), EMOPIANO_ERROR_INVALID_ARGUMENT, "out_count");
  char* json = reinterpret_cast<char*>(0x1);
  EXPECT_C_ERROR(emopiano_model_metadata_json(&json, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "model");
  EXPECT_EQ(json, nullptr);
}

namespace load_options {

// A piece from `model` through the C ABI, and the same request through C++.
std::vector<int32_t> c_piece(const emopiano_model* model) {
  emopiano_sampler* sampler = nullptr;
  EXPECT_EQ(emopiano_sampler_create(&sampler, model), EMOPIANO_OK) << emopiano_last_error();
  emopiano_generate_params p;
  EXPECT_EQ(emopiano_generate_params_init(&p, sizeof p), EMOPIANO_OK);
  p.seed = 11;
  p.max_tokens = 200;
  p.top_p = 1.0f;
  p.quadrant = EMOPIANO_Q3;
  p.stop_at_eos = 0;  // an untrained model may end at once
  emopiano_generation* g = nullptr;
  EXPECT_EQ(emopiano_sampler_generate(&g, sampler, &p), EMOPIANO_OK) << emopiano_last_error();
  const int32_t* t = nullptr;
  size_t n = 0;
  if (g) EXPECT_EQ(emopiano_generation_tokens(&t, &n, g), EMOPIANO_OK);
  std::vector<int32_t> tokens(t, t + n);
  emopiano_generation_free(g);
  emopiano_sampler_free(sampler);
  return tokens;
}

std::vector<int32_t> cpp_piece(const std::string& path, const emopiano::LoadOptions& options) {
  const auto model = emopiano::Model::load(path, options);
  emopiano::Sampler sampler(model);
  emopiano::GenerationRequest r;
  r.emotion = emopiano::EmotionTrajectory(emopiano::EmotionMix::from_quadrant(emopiano::Quadrant::Q3));
  r.params.seed = 11;
  r.params.max_tokens = 200;
  r.params.top_p = 1.0f;
  r.params.stop_at_eos = false;
  return sampler.generate(r).tokens;
}

}  // namespace load_options

TEST(CapiModel, LoadWithOptionsGeneratesAsTheCppModelLoadedWithThem) {
  using emopiano::InferencePrecision;
  using emopiano::KvCacheStorage;
  const auto dir = emopiano::test::temp_dir("capi-model");
  const auto path = (dir / "tiny.pt").string();
  {
    ModelHandle h;
    ASSERT_C_OK(emopiano_model_create(&h.m, kSmallModel, nullptr, 9));
    ASSERT_C_OK(emopiano_model_save(h.m, path.c_str(), EMOPIANO_WEIGHTS_F32));
  }
  struct Case {
    int32_t precision, kv_cache;
    emopiano::LoadOptions options;
  };
  const Case cases[] = {
      {EMOPIANO_PRECISION_BF16, EMOPIANO_KV_CACHE_BF16, {InferencePrecision::bf16, KvCacheStorage::bf16}},
      {EMOPIANO_PRECISION_F32, EMOPIANO_KV_CACHE_BF16, {InferencePrecision::f32, KvCacheStorage::bf16}},
      {EMOPIANO_PRECISION_BF16, EMOPIANO_KV_CACHE_INT8, {InferencePrecision::bf16, KvCacheStorage::int8}},
  };
  std::vector<std::vector<int32_t>> ours, theirs;
  for (const Case& c : cases) {
    ModelHandle h;
    ASSERT_C_OK(emopiano_model_load_with_options(&h.m, path.c_str(), c.precision, c.kv_cache));
    int32_t precision = -1, kv_cache = -1;
    ASSERT_C_OK(emopiano_model_load_options(&precision, &kv_cache, h.m));
    EXPECT_EQ(precision, c.precision);
    EXPECT_EQ(kv_cache, c.kv_cache);
    ours.push_back(load_options::c_piece(h.m));
    theirs.push_back(load_options::cpp_piece(path, c.options));
    EXPECT_EQ(ours.back(), theirs.back()) << "precision " << c.precision << ", kv_cache " << c.kv_cache;
    EXPECT_GT(ours.back().size(), 150u);
  }
  // emopiano_model_load is the first case.
  ModelHandle plain;
  ASSERT_C_OK(emopiano_model_load(&plain.m, path.c_str()));
  int32_t precision = -1, kv_cache = -1;
  ASSERT_C_OK(emopiano_model_load_options(&precision, &kv_cache, plain.m));
  EXPECT_EQ(precision, EMOPIANO_PRECISION_BF16);
  EXPECT_EQ(kv_cache, EMOPIANO_KV_CACHE_BF16);
  EXPECT_EQ(load_options::c_piece(plain.m), ours[0]);
  // Where C++ tells the options apart, the C ABI does too.
  for (size_t i = 1; i < ours.size(); ++i) {
    if (theirs[i] != theirs[0]) EXPECT_NE(ours[i], ours[0]) << i;
  }
}

TEST(CapiModel, LoadWithOptionsRefusesWhatIsNotAnOption) {
  const auto dir = emopiano::test::temp_dir("capi-model");
  const auto path = (dir / "tiny.pt").string();
  {
    ModelHandle h;
    ASSERT_C_OK(emopiano_model_create(&h.m, kSmallModel, nullptr, 9));
    ASSERT_C_OK(emopiano_model_save(h.m, path.c_str(), EMOPIANO_WEIGHTS_F32));
  }
  emopiano_model* m = reinterpret_cast<emopiano_model*>(0x1);
  EXPECT_C_ERROR(emopiano_model_load_with_options(&m, path.c_str(), 2, EMOPIANO_KV_CACHE_BF16),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "precision 2");
  EXPECT_EQ(m, nullptr);
  EXPECT_C_ERROR(emopiano_model_load_with_options(&m, path.c_str(), EMOPIANO_PRECISION_BF16, -1),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "kv_cache -1");
  EXPECT_C_ERROR(emopiano_model_load_with_options(&m, path.c_str(), EMOPIANO_PRECISION_F32, EMOPIANO_KV_CACHE_INT8),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "EMOPIANO_PRECISION_BF16");
  EXPECT_EQ(m, nullptr);
  EXPECT_C_ERROR(emopiano_model_load_with_options(&m, nullptr, 0, 0), EMOPIANO_ERROR_INVALID_ARGUMENT, "path");
  int32_t precision = 0;
  EXPECT_C_ERROR(emopiano_model_load_options(&precision, nullptr, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "model");
  EXPECT_C_ERROR(emopiano_model_load_with_options(nullptr, path.c_str(), 0, 0), EMOPIANO_ERROR_INVALID_ARGUMENT, "out");
  const auto missing = (dir / "missing.pt").string();
  EXPECT_C_ERROR(emopiano_model_load_with_options(&m, missing.c_str(), 0, 1), EMOPIANO_ERROR_IO, "missing.pt");
  EXPECT_EQ(m, nullptr);
}

TEST(CapiModel, BundledModelPathFollowsTheEnvironment) {
  const auto dir = emopiano::test::temp_dir("capi-model");
  ModelHandle h;
  ASSERT_C_OK(emopiano_model_create(&h.m, kSmallModel, nullptr, 3));
  const auto file = (dir / "env.pt").string();
  ASSERT_C_OK(emopiano_model_save(h.m, file.c_str(), 0));

  const char* old = std::getenv("EMOPIANO_MODEL");
  const std::string saved = old ? old : "";
  setenv("EMOPIANO_MODEL", file.c_str(), 1);
  char* path = nullptr;
  EXPECT_C_OK(emopiano_bundled_model_path(&path));
  EXPECT_STREQ(path, file.c_str());
  emopiano_free(path);
  setenv("EMOPIANO_MODEL", (dir / "nothing.pt").c_str(), 1);
  path = reinterpret_cast<char*>(0x1);
  EXPECT_C_ERROR(emopiano_bundled_model_path(&path), EMOPIANO_ERROR_NOT_FOUND, "nothing.pt");
  EXPECT_EQ(path, nullptr);
  if (old)
    setenv("EMOPIANO_MODEL", saved.c_str(), 1);
  else
    unsetenv("EMOPIANO_MODEL");
  EXPECT_C_ERROR(emopiano_bundled_model_path(nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "out_path");
}

}  // namespace
