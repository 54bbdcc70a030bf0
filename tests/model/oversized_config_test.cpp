// Weight files whose config asks for far more weights than the file holds:
// refused with a clear error before the network is allocated. Without the
// check each of these would try to allocate hundreds of gigabytes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <string>

#include "core/key_code.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "emopiano/vae.hpp"
#include "model/model_file_format.hpp"
#include "model/model_file_header.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The file at `path` with `edit` applied to its JSON header, re-sealed (header
// length and CRC-32 fixed up) so that only the config is wrong.
template <typename Edit>
void edit_header(const fs::path& path, Edit edit) {
  const std::string bytes = file_bytes(path);
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data() + 12, 8);
  nlohmann::json header = nlohmann::json::parse(bytes.substr(20, header_size));
  const std::string data = bytes.substr(20 + header_size, bytes.size() - 20 - header_size - 4);
  edit(header);
  const std::string text = header.dump();
  std::string out = bytes.substr(0, 12);
  const uint64_t n = text.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  out += text;
  out += data;
  const uint32_t crc = crc32(out.data(), out.size());
  out.append(reinterpret_cast<const char*>(&crc), 4);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(out.data(), static_cast<std::streamsize>(out.size()));
}

template <typename Load>
void expect_refused_as_too_large(Load load, const std::string& file_name) {
  try {
    load();
    ADD_FAILURE() << file_name << " loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format) << e.what();
    const std::string message = e.what();
    EXPECT_NE(message.find(file_name), std::string::npos) << message;
    EXPECT_NE(message.find("config needs at least"), std::string::npos) << message;
  }
}

ModelConfig small_model() {
  ModelConfig c;
  c.n_layers = 1;
  c.d_model = 16;
  c.n_heads = 2;
  c.d_ff = 16;
  c.context_length = 32;
  c.max_bars = 8;
  return c;
}

TEST(OversizedConfig, GeneratorEstimateIsTheNetworkWithoutItsKeyEmbedding) {
  for (ModelConfig c : {small_model(), ModelConfig{}}) {
    const Model m = Model::create(c, TokenizerConfig{}, 1);
    const auto vocab = static_cast<uint64_t>(m.tokenizer().vocab_size());
    const auto positions = static_cast<uint64_t>(m.tokenizer().max_positions_per_bar());
    EXPECT_EQ(detail::generator_stored_values(c, vocab, positions) + static_cast<uint64_t>(kKeyCodes * c.d_model),
              static_cast<uint64_t>(m.parameter_count()));
  }
}

TEST(OversizedConfig, GeneratorFileIsRefusedBeforeAllocating) {
  const auto dir = test::temp_dir("oversized_generator");
  const fs::path path = dir / "huge.pt";
  Model::create(small_model(), TokenizerConfig{}, 1).save(path);
  edit_header(path, [](nlohmann::json& h) {
    h["model"]["n_layers"] = 64;
    h["model"]["d_model"] = 8192;
    h["model"]["d_ff"] = 65536;
    h["model"]["context_length"] = 65536;
  });
  expect_refused_as_too_large([&] { Model::load(path); }, "huge.pt");
}

TEST(OversizedConfig, ConfigThatFitsLoadsEvenInTheSmallestDtype) {
  // The estimate is a floor: a real file in bf16 (2 bytes a value) passes it.
  const auto dir = test::temp_dir("oversized_fits");
  Model::create(small_model(), TokenizerConfig{}, 1).save(dir / "bf16.pt", WeightStorage::bf16);
  EXPECT_NO_THROW(Model::load(dir / "bf16.pt"));
  VaeConfig v;
  v.encoder_layers = 1;
  v.decoder_layers = 1;
  v.d_model = 16;
  v.n_heads = 2;
  v.d_ff = 16;
  v.latent_dim = 4;
  v.segment_bars = 2;
  v.max_segment_tokens = 64;
  EmotionVae::create(v, TokenizerConfig{}, 1).save(dir / "vae.pt", WeightStorage::bf16);
  EXPECT_NO_THROW(EmotionVae::load(dir / "vae.pt"));
}

TEST(OversizedConfig, ClassifierFileIsRefusedBeforeAllocating) {
  const auto dir = test::temp_dir("oversized_classifier");
  const fs::path path = dir / "huge_classifier.pt";
  ClassifierConfig c;
  c.n_layers = 1;
  c.d_model = 16;
  c.n_heads = 2;
  c.d_ff = 16;
  c.window = 16;
  EmotionClassifier::create(c, TokenizerConfig{}, 1).save(path);
  edit_header(path, [](nlohmann::json& h) {
    h["classifier"]["n_layers"] = 64;
    h["classifier"]["d_model"] = 8192;
    h["classifier"]["d_ff"] = 65536;
  });
  expect_refused_as_too_large([&] { EmotionClassifier::load(path); }, "huge_classifier.pt");
}

TEST(OversizedConfig, VaeFileIsRefusedBeforeAllocating) {
  const auto dir = test::temp_dir("oversized_vae");
  const fs::path path = dir / "huge_vae.pt";
  VaeConfig v;
  v.encoder_layers = 1;
  v.decoder_layers = 1;
  v.d_model = 16;
  v.n_heads = 2;
  v.d_ff = 16;
  v.latent_dim = 4;
  v.segment_bars = 2;
  v.max_segment_tokens = 64;
  EmotionVae::create(v, TokenizerConfig{}, 1).save(path);
  edit_header(path, [](nlohmann::json& h) {
    h["vae"]["encoder_layers"] = 64;
    h["vae"]["decoder_layers"] = 64;
    h["vae"]["d_model"] = 8192;
    h["vae"]["d_ff"] = 65536;
  });
  expect_refused_as_too_large([&] { EmotionVae::load(path); }, "huge_vae.pt");
}

}  // namespace
}  // namespace emopiano
