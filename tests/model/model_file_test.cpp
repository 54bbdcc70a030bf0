// Model files: round trips, and every kind of damaged file rejected clearly.
#include <gtest/gtest.h>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>

#include <fmt/core.h>
#include <fstream>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "model/model_file_format.hpp"
#include "model/model_impl.hpp"
#include "support/container_parts.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

ModelConfig tiny_file_config() {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 48;
  c.context_length = 40;
  c.max_bars = 16;
  return c;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

torch::Tensor logits_of(const Model& model) {
  torch::NoGradGuard no_grad;
  const int64_t T = 12;
  auto tokens = torch::arange(T, torch::kLong).remainder(model.tokenizer().vocab_size()).unsqueeze(0);
  auto bars = torch::arange(T, torch::kLong).div(4, "floor").unsqueeze(0);
  auto positions = torch::arange(T, torch::kLong).remainder(4).unsqueeze(0);
  auto emotion = torch::tensor({0.1f, 0.2f, 0.3f, 0.4f}).view({1, 1, 4}).repeat({1, T, 1});
  return impl_of(model).net->forward(tokens, bars, positions, emotion);
}

using Parts = test::ContainerParts;
Parts split(const std::string& bytes) { return test::split_container(bytes); }
std::string seal(const Parts& p) { return test::seal_container(p); }

class ModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("model_file");
    path_ = dir_ / "tiny.pt";
    model_ = std::make_unique<Model>(Model::create(tiny_file_config(), TokenizerConfig{}, 7));
    model_->set_metadata_json(R"({"steps": 12, "val_loss": 3.5})");
    model_->save(path_);
    bytes_ = read_bytes(path_);
  }

  // Loads `bytes` from a file and returns the error it raises.
  Error load_error(const std::string& bytes, const std::string& name = "damaged.pt") {
    const auto p = dir_ / name;
    write_bytes(p, bytes);
    try {
      Model::load(p);
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "loading " << name << " succeeded";
    return Error(ErrorCode::ok, "");
  }

  fs::path dir_, path_;
  std::unique_ptr<Model> model_;
  std::string bytes_;
};

TEST_F(ModelFileTest, RoundTripGivesIdenticalLogitsConfigAndMetadata) {
  Model loaded = Model::load(path_);
  EXPECT_TRUE(loaded.config() == model_->config());
  EXPECT_TRUE(loaded.tokenizer().config() == model_->tokenizer().config());
  EXPECT_EQ(nlohmann::json::parse(loaded.metadata_json()), nlohmann::json::parse(R"({"steps": 12, "val_loss": 3.5})"));
  EXPECT_EQ(loaded.parameter_count(), model_->parameter_count());
  EXPECT_TRUE(torch::equal(logits_of(loaded), logits_of(*model_)));
  EXPECT_FALSE(impl_of(loaded).net->is_training());
  // Saving the loaded model again gives the same bytes.
  loaded.save(dir_ / "again.pt");
  EXPECT_EQ(read_bytes(dir_ / "again.pt"), bytes_);
}

TEST_F(ModelFileTest, HalfPrecisionStorageIsSmallerAndClose) {
  for (auto storage : {WeightStorage::f16, WeightStorage::bf16}) {
    const auto p = dir_ / "half.pt";
    model_->save(p, storage);
    EXPECT_LT(fs::file_size(p), bytes_.size() * 6 / 10);
    Model loaded = Model::load(p);
    auto a = logits_of(loaded), b = logits_of(*model_);
    EXPECT_FALSE(torch::equal(a, b));  // really stored with fewer bits
    EXPECT_TRUE(torch::allclose(a, b, 0.05, 0.05)) << (a - b).abs().max().item<float>();
  }
}

TEST_F(ModelFileTest, SaveLeavesNoTemporaryFiles) {
  model_->save(path_);  // overwrite
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    ++files;
    EXPECT_EQ(e.path().filename(), "tiny.pt");
  }
  EXPECT_EQ(files, 1);
  try {
    model_->save(dir_ / "no" / "such" / "dir.pt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
  }
}

TEST_F(ModelFileTest, TruncatedFilesAreRejectedNamingTheFile) {
  const size_t n = bytes_.size();
  for (size_t keep : {static_cast<size_t>(0), static_cast<size_t>(5), static_cast<size_t>(10), static_cast<size_t>(19),
                      static_cast<size_t>(100), n / 2, n - 5, n - 1}) {
    Error e = load_error(bytes_.substr(0, keep), "cut.pt");
    EXPECT_EQ(e.code(), ErrorCode::format) << keep << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find("cut.pt"), std::string::npos) << e.what();
    if (keep > 0) EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << keep << ": " << e.what();
  }
}

TEST_F(ModelFileTest, FlippedByteFailsTheChecksum) {
  for (size_t at : {bytes_.size() / 2, bytes_.size() - 100}) {
    auto damaged = bytes_;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    Error e = load_error(damaged);
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
}

TEST_F(ModelFileTest, WrongMagicIsNotAModel) {
  auto damaged = bytes_;
  damaged[0] = 'X';
  Error e = load_error(damaged);
  EXPECT_EQ(e.code(), ErrorCode::format);
  EXPECT_NE(std::string(e.what()).find("not an emopiano model"), std::string::npos) << e.what();
  Error midi = load_error("MThd\0\0\0\6\0\0\0\1\1\xe0 and more bytes here");
  EXPECT_EQ(midi.code(), ErrorCode::format);
}

TEST_F(ModelFileTest, NewerVersionIsUnsupported) {
  auto parts = split(bytes_);
  parts.version = kModelFileVersion + 1;
  Error e = load_error(seal(parts));
  EXPECT_EQ(e.code(), ErrorCode::unsupported);
  EXPECT_NE(std::string(e.what()).find(fmt::format("model file version {} is newer than this library supports ({})",
                                                   kModelFileVersion + 1, kModelFileVersion)),
            std::string::npos)
      << e.what();
}

TEST_F(ModelFileTest, MissingTensorIsNamed) {
  auto parts = split(bytes_);
  auto& table = parts.header["tensors"];
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i]["name"] == "blocks.1.ff1.weight") {
      table.erase(i);
      break;
    }
  }
  Error e = load_error(seal(parts));
  EXPECT_EQ(e.code(), ErrorCode::format);
  EXPECT_NE(std::string(e.what()).find("'blocks.1.ff1.weight' is missing"), std::string::npos) << e.what();
}

// Files written before key conditioning have no key embedding: they load
// with it zero, which gives exactly the logits they gave before, whatever the
// key input.
TEST_F(ModelFileTest, FileWithoutTheKeyEmbeddingLoadsWithItZero) {
  auto parts = split(bytes_);
  auto& table = parts.header["tensors"];
  bool removed = false;
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i]["name"] == "key_embedding") {
      table.erase(i);
      removed = true;
      break;
    }
  }
  ASSERT_TRUE(removed);
  const fs::path path = dir_ / "before_keys.pt";
  write_bytes(path, seal(parts));
  Model old = Model::load(path);
  EXPECT_EQ(impl_of(old).net->key_embedding.abs().sum().item<double>(), 0.0);
  // The same weights with a zero key embedding give the same logits, and
  // the key input then changes nothing.
  Model zeroed = Model::load(path_);
  EXPECT_GT(impl_of(zeroed).net->key_embedding.abs().sum().item<double>(), 0.0);
  {
    torch::NoGradGuard no_grad;
    impl_of(zeroed).net->key_embedding.zero_();
  }
  EXPECT_TRUE(torch::equal(logits_of(old), logits_of(zeroed)));
  torch::NoGradGuard no_grad;
  auto tokens = torch::arange(12, torch::kLong).unsqueeze(0);
  auto bars = torch::zeros({1, 12}, torch::kLong);
  auto emotion = torch::zeros({1, 12, 4});
  auto keys = torch::arange(12, torch::kLong).unsqueeze(0);
  EXPECT_TRUE(torch::equal(impl_of(old).net->forward(tokens, bars, bars, emotion, keys),
                           impl_of(old).net->forward(tokens, bars, bars, emotion)));
}

TEST_F(ModelFileTest, ShapeThatDoesNotMatchTheConfigIsRejected) {
  auto parts = split(bytes_);
  parts.header["model"]["d_ff"] = 64;
  Error e = load_error(seal(parts));
  EXPECT_EQ(e.code(), ErrorCode::format);
  EXPECT_NE(std::string(e.what()).find("shape"), std::string::npos) << e.what();
}

TEST_F(ModelFileTest, InvalidConfigIsRejected) {
  auto parts = split(bytes_);
  parts.header["model"]["n_heads"] = 3;  // does not divide d_model
  Error e = load_error(seal(parts));
  EXPECT_EQ(e.code(), ErrorCode::format);
  EXPECT_NE(std::string(e.what()).find("n_heads"), std::string::npos) << e.what();
}

TEST_F(ModelFileTest, TensorOutsideTheDataIsRejected) {
  auto parts = split(bytes_);
  parts.header["tensors"][0]["offset"] = parts.data.size();
  Error e = load_error(seal(parts));
  EXPECT_EQ(e.code(), ErrorCode::format);
  EXPECT_NE(std::string(e.what()).find("outside"), std::string::npos) << e.what();
}

TEST_F(ModelFileTest, MissingFileIsAnIoError) {
  try {
    Model::load(dir_ / "absent.pt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("absent.pt"), std::string::npos);
  }
}

TEST(ModelConfig, JsonRoundTripAndValidation) {
  ModelConfig c = tiny_file_config();
  c.dropout = 0.25f;
  EXPECT_TRUE(ModelConfig::from_json(c.to_json()) == c);
  EXPECT_TRUE(ModelConfig::from_json("{}") == ModelConfig{});
  EXPECT_THROW(ModelConfig::from_json("{not json"), Error);
  EXPECT_THROW(ModelConfig::from_json(R"({"d_model": "big"})"), Error);
  try {
    ModelConfig::from_json(R"({"d_model": 100, "n_heads": 3})");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
  ModelConfig bad = tiny_file_config();
  bad.dropout = 1.0f;
  EXPECT_THROW(bad.validate(), Error);
  bad = tiny_file_config();
  bad.context_length = 0;
  EXPECT_THROW(bad.validate(), Error);
}

TEST(Model, ParameterCountMatchesTheArchitecture) {
  ModelConfig c = tiny_file_config();
  Model m = Model::create(c, TokenizerConfig{}, 1);
  const int64_t V = m.tokenizer().vocab_size(), d = c.d_model, f = c.d_ff;
  const int64_t P = m.tokenizer().max_positions_per_bar();
  const int64_t per_layer = 2 * 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * f + f) + (f * d + d);
  const int64_t expected = V * d + c.context_length * d + c.max_bars * d + P * d + 4 * d + 25 * d +
                           c.n_layers * per_layer + 2 * d + (d * V + V);
  EXPECT_EQ(m.parameter_count(), expected);
}

TEST(Model, MetadataMustBeAJsonObject) {
  Model m = Model::create(tiny_file_config(), TokenizerConfig{}, 1);
  EXPECT_EQ(m.metadata_json(), "{}");
  EXPECT_THROW(m.set_metadata_json("[1,2]"), Error);
  EXPECT_THROW(m.set_metadata_json("{oops"), Error);
}

TEST(BundledModelPath, HonoursTheEnvironment) {
  const auto dir = test::temp_dir("bundled");
  const auto p = dir / "custom.pt";
  write_bytes(p, "x");
  ::setenv("EMOPIANO_MODEL", p.c_str(), 1);
  EXPECT_EQ(bundled_model_path(), p);
  ::setenv("EMOPIANO_MODEL", (dir / "absent.pt").c_str(), 1);
  try {
    bundled_model_path();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
  }
  ::unsetenv("EMOPIANO_MODEL");
}

}  // namespace
}  // namespace emopiano
