// VaeConfig and VaeTrainerConfig JSON: round trips, and bad input refused clearly.
#include <gtest/gtest.h>

#include "emopiano/error.hpp"
#include "emopiano/vae.hpp"

namespace emopiano {
namespace {

TEST(VaeConfig, RoundTripsThroughJson) {
  VaeConfig c;
  c.encoder_layers = 3;
  c.latent_dim = 32;
  c.segment_bars = 8;
  c.dropout = 0.25f;
  EXPECT_EQ(VaeConfig::from_json(c.to_json()), c);
  EXPECT_EQ(VaeConfig::from_json("{}"), VaeConfig{});
}

TEST(VaeConfig, RefusesBadInput) {
  auto code = [](const char* json) {
    try {
      VaeConfig::from_json(json);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::ok;
  };
  EXPECT_EQ(code("{"), ErrorCode::format);
  EXPECT_EQ(code("[]"), ErrorCode::format);
  EXPECT_EQ(code(R"({"latent": 3})"), ErrorCode::format);        // unknown key
  EXPECT_EQ(code(R"({"latent_dim": "8"})"), ErrorCode::format);  // wrong type
  EXPECT_EQ(code(R"({"latent_dim": 0})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code(R"({"d_model": 100, "n_heads": 3})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code(R"({"dropout": 1.0})"), ErrorCode::invalid_argument);
}

TEST(VaeTrainerConfig, RoundTripsAndValidates) {
  VaeTrainerConfig c;
  c.max_steps = 77;
  c.max_beta = 0.5;
  c.free_bits = 12;
  c.word_dropout = 0.25;
  c.bf16 = Bf16Mode::off;
  auto back = VaeTrainerConfig::from_json(c.to_json());
  EXPECT_EQ(back.max_steps, 77);
  EXPECT_DOUBLE_EQ(back.max_beta, 0.5);
  EXPECT_DOUBLE_EQ(back.free_bits, 12);
  EXPECT_DOUBLE_EQ(back.word_dropout, 0.25);
  EXPECT_EQ(back.bf16, Bf16Mode::off);
  EXPECT_THROW(VaeTrainerConfig::from_json(R"({"beta_rate": 1.0})"), Error);
  EXPECT_THROW(VaeTrainerConfig::from_json(R"({"free_bits": -1})"), Error);
  EXPECT_THROW(VaeTrainerConfig::from_json(R"({"word_dropout": 1.0})"), Error);
  EXPECT_THROW(VaeTrainerConfig::from_json(R"({"word_dropout": -0.1})"), Error);
  EXPECT_THROW(VaeTrainerConfig::from_json(R"({"bf16": "maybe"})"), Error);
  EXPECT_THROW(VaeTrainerConfig::from_json(R"({"unknown": 1})"), Error);
}

}  // namespace
}  // namespace emopiano
