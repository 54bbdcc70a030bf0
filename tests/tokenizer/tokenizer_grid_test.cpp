// TokenizerConfig::grid: which beats the tokens follow (the score's own, or
// tracked ones), in the config's JSON and in what encode() produces.
#include <gtest/gtest.h>

#include "beat/synthetic_performance.hpp"
#include "emopiano/beats.hpp"
#include "emopiano/error.hpp"
#include "emopiano/tokenizer.hpp"
#include "tokenizer/saved_tokenizer_config.hpp"
#include "tokenizer/tokenizer_fixtures.hpp"

namespace emopiano {
namespace {

TokenizerConfig with_grid(const std::string& grid) {
  TokenizerConfig c;
  c.grid = grid;
  return c;
}

std::vector<int32_t> encode_with(const std::string& grid, const Score& score) {
  return Tokenizer::create(with_grid(grid))->encode(score);
}

TEST(TokenizerGrid, IsInTheJsonAndChecked) {
  EXPECT_EQ(TokenizerConfig{}.grid, "auto");
  for (const char* grid : {"auto", "score", "tracked"})
    EXPECT_TRUE(TokenizerConfig::from_json(with_grid(grid).to_json()) == with_grid(grid)) << grid;
  EXPECT_FALSE(with_grid("score") == with_grid("tracked"));
  EXPECT_NE(with_grid("score").to_json(), with_grid("tracked").to_json());
  try {
    TokenizerConfig::from_json(R"({"grid": "beats"})");
    FAIL() << "unknown grid accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("beats"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TokenizerConfig::from_json(R"({"grid": 1})"), Error);
  // A config written by hand without the key gets the default...
  EXPECT_EQ(TokenizerConfig::from_json("{}").grid, "auto");
  // ...but one saved in a model file before the key existed was trained on
  // the score's own grid, and keeps it.
  EXPECT_EQ(tokenizer::saved_tokenizer_config("{}").grid, "score");
  EXPECT_EQ(tokenizer::saved_tokenizer_config(R"({"grid": "tracked"})").grid, "tracked");
}

TEST(TokenizerGrid, AutoTracksPerformancesAtANominalTempo) {
  auto p = test::perform(test::ramp_beats(80, 100, 96, 0.9), 4, 1, false, 7, 0.02);
  ASSERT_TRUE(is_unaligned(p.score));
  const auto tracked = encode_with("score", retime(p.score, track_beats(p.score)));
  EXPECT_EQ(encode_with("tracked", p.score), tracked);
  EXPECT_EQ(encode_with("auto", p.score), tracked);
  EXPECT_NE(encode_with("score", p.score), tracked);
}

TEST(TokenizerGrid, AutoKeepsTheGridOfQuantizedScores) {
  std::vector<Note> notes;
  for (int i = 0; i < 64; ++i) notes.push_back(test::make_note(48 + (i * 7) % 24, i * 192, 180));
  const Score quantized = test::make_score(notes);
  ASSERT_FALSE(is_unaligned(quantized));
  EXPECT_EQ(encode_with("auto", quantized), encode_with("score", quantized));
  // Forced, the tracker still finds the eighth-note pulse it is written in.
  auto tok = Tokenizer::create(with_grid("tracked"));
  EncodeStats stats;
  tok->encode(quantized, std::nullopt, &stats);
  EXPECT_EQ(stats.notes_encoded, 64);
}

}  // namespace
}  // namespace emopiano
