#include <gtest/gtest.h>

#include "emopiano/error.hpp"
#include "emopiano/tokenizer.hpp"

namespace emopiano {
namespace {

ErrorCode code_of(const std::string& json) {
  try {
    TokenizerConfig::from_json(json);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::ok;
}

TEST(TokenizerConfig, JsonRoundTripKeepsEveryField) {
  TokenizerConfig c;
  c.positions_per_beat = 6;
  c.pitch_min = 30;
  c.pitch_max = 100;
  c.velocity_bins = 16;
  c.tempo_bins = 20;
  c.tempo_min = 33.3;
  c.tempo_max = 211.7;
  c.max_duration_steps = 96;
  c.use_tempo = false;
  c.use_pedal = false;
  c.use_chords = true;
  c.use_time_signature = true;
  TokenizerConfig back = TokenizerConfig::from_json(c.to_json());
  EXPECT_TRUE(back == c);
  EXPECT_EQ(back.tempo_min, 33.3);
  EXPECT_FALSE(back == TokenizerConfig{});
  EXPECT_TRUE(TokenizerConfig::from_json(TokenizerConfig{}.to_json()) == TokenizerConfig{});
}

TEST(TokenizerConfig, EqualityLooksAtEachField) {
  TokenizerConfig a, b;
  EXPECT_TRUE(a == b);
  b.use_chords = true;
  EXPECT_FALSE(a == b);
  b = a;
  b.tempo_max = 251;
  EXPECT_FALSE(a == b);
}

TEST(TokenizerConfig, MissingKeysKeepDefaults) {
  TokenizerConfig c = TokenizerConfig::from_json(R"({"positions_per_beat": 8})");
  TokenizerConfig expected;
  expected.positions_per_beat = 8;
  EXPECT_TRUE(c == expected);
  EXPECT_TRUE(TokenizerConfig::from_json("{}") == TokenizerConfig{});
}

TEST(TokenizerConfig, MalformedJsonIsAFormatError) {
  EXPECT_EQ(code_of("{"), ErrorCode::format);
  EXPECT_EQ(code_of(""), ErrorCode::format);
  EXPECT_EQ(code_of("[1, 2]"), ErrorCode::format);
  EXPECT_EQ(code_of(R"({"positions_per_beat": "four"})"), ErrorCode::format);
  EXPECT_EQ(code_of(R"({"positions_per_beat": 4.5})"), ErrorCode::format);
  EXPECT_EQ(code_of(R"({"use_pedal": 1})"), ErrorCode::format);
  EXPECT_EQ(code_of(R"({"positions_per_bet": 4})"), ErrorCode::format);
}

TEST(TokenizerConfig, OutOfRangeValuesAreInvalidArguments) {
  EXPECT_EQ(code_of(R"({"scheme": "octuple-plus"})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of(R"({"positions_per_beat": 0})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of(R"({"pitch_min": 80, "pitch_max": 60})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of(R"({"pitch_max": 128})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of(R"({"velocity_bins": 0})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of(R"({"velocity_bins": 128})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of(R"({"tempo_min": 200, "tempo_max": 100})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of(R"({"max_duration_steps": 0})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of(R"({"positions_per_beat": 99999999999})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of(R"({"pitch_min": 0, "pitch_max": 127, "velocity_bins": 127})"), ErrorCode::ok);
}

TEST(TokenizerConfig, ValidateNamesTheProblem) {
  TokenizerConfig c;
  c.scheme = "cp";
  try {
    c.validate();
    FAIL() << "unknown scheme accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("\"cp\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("remi"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(TokenizerConfig{}.validate());
}

TEST(TokenizerFactory, CreatesBySchemeAndRefusesUnknownOnes) {
  auto tok = Tokenizer::create();
  ASSERT_NE(tok, nullptr);
  EXPECT_TRUE(tok->config() == TokenizerConfig{});
  TokenizerConfig c;
  c.scheme = "cp";
  try {
    Tokenizer::create(c);
    FAIL() << "unknown scheme created";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
}

}  // namespace
}  // namespace emopiano
