// The transposition table follows the vocabulary's own token names and never
// leaves the pitch range.
#include <gtest/gtest.h>

#include <random>

#include "emopiano/error.hpp"
#include "emopiano/tokenizer.hpp"
#include "train/pitch_transposer.hpp"
#include "train/window_batcher.hpp"

namespace emopiano::train {
namespace {

TEST(PitchTransposer, MapsPitchTokensByNameAndLeavesOthers) {
  auto tok = Tokenizer::create();
  PitchTransposer t(*tok, -12, 12);
  int pitch_tokens = 0;
  for (int32_t id = 0; id < tok->vocab_size(); ++id) {
    const std::string name = tok->token_to_string(id);
    const int p = t.pitch_of(id);
    if (name.rfind("Pitch_", 0) == 0) {
      ++pitch_tokens;
      EXPECT_EQ(name, "Pitch_" + std::to_string(p));
      for (int s : {-5, -1, 1, 2, 7}) {
        const int q = p + s;
        if (q < tok->config().pitch_min || q > tok->config().pitch_max) {
          EXPECT_THROW(t.transpose(id, s), Error);
        } else {
          EXPECT_EQ(tok->token_to_string(t.transpose(id, s)), "Pitch_" + std::to_string(q));
        }
      }
    } else {
      EXPECT_EQ(p, -1) << name;
      for (int s : {-5, 3}) EXPECT_EQ(t.transpose(id, s), id) << name;
    }
  }
  EXPECT_EQ(pitch_tokens, tok->config().pitch_max - tok->config().pitch_min + 1);
}

TEST(PitchTransposer, AllowedShiftsKeepTheWindowInRange) {
  TokenizerConfig cfg;  // A0 (21) .. C8 (108)
  auto tok = Tokenizer::create(cfg);
  PitchTransposer t(*tok, -5, 6);
  EXPECT_EQ(t.allowed_shifts(60, 72), std::make_pair(-5, 6));
  EXPECT_EQ(t.allowed_shifts(23, 60), std::make_pair(-2, 6));   // only down to 21
  EXPECT_EQ(t.allowed_shifts(40, 105), std::make_pair(-5, 3));  // only up to 108
  EXPECT_EQ(t.allowed_shifts(21, 108), std::make_pair(0, 0));   // the full keyboard
  EXPECT_EQ(t.allowed_shifts(128, -1), std::make_pair(-5, 6));  // no pitches at all
}

TEST(PitchTransposer, RandomWindowsNeverLeaveTheRange) {
  auto tok = Tokenizer::create();
  PitchTransposer t(*tok, -12, 12);
  // A piece hugging both ends of the keyboard, in chunks, so windows see
  // different extremes: every sampled shift must still be representable.
  Score s;
  s.tempos = {{0, 0.0, 120.0}};
  s.time_signatures = {{0, 4, 4}};
  for (int i = 0; i < 200; ++i) {
    Note n;
    n.pitch = (i / 20) % 2 ? 21 + (i % 5) : 108 - (i % 5);
    n.start_tick = i * 240;
    n.end_tick = n.start_tick + 200;
    s.notes.push_back(n);
  }
  s.normalize();
  s.update_seconds();
  std::vector<TrainingPiece> pieces{make_training_piece(*tok, tok->encode(s, Quadrant::Q2), Quadrant::Q2)};
  WindowBatcher batcher(pieces, 32, tok->pad_id(), 255, &t);
  std::mt19937_64 rng(7);
  int shifted_rows = 0;
  for (int i = 0; i < 300; ++i) {
    std::vector<WindowSpec> specs;
    Batch b = batcher.sample(4, rng, &specs);  // throws if a shift left the range
    for (int64_t c = 0; c < b.rows * b.length; ++c) {
      if (b.tokens[static_cast<size_t>(c)] == tok->pad_id()) continue;
      const int p = t.pitch_of(static_cast<int32_t>(b.tokens[static_cast<size_t>(c)]));
      if (p >= 0) {
        EXPECT_GE(p, 21);
        EXPECT_LE(p, 108);
      }
    }
    for (const auto& w : specs) shifted_rows += w.shift != 0;
  }
  EXPECT_GT(shifted_rows, 100);  // windows away from the edges are transposed
}

}  // namespace
}  // namespace emopiano::train
