#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "emopiano/tokenizer.hpp"
#include "tokenizer_fixtures.hpp"

namespace emopiano {
namespace {

using test::ids_of;

TEST(RemiDecode, HandWrittenSequenceGivesTheExpectedScore) {
  auto tok = Tokenizer::create();
  Score s = tok->decode(ids_of(*tok,
                               "BOS Emotion_Q1 Bar Position_0 Tempo_120 Pedal_On "
                               "Pitch_60 Velocity_78 Duration_4 Pitch_67 Velocity_98 Duration_2 "
                               "Bar Position_2 Tempo_60 Pedal_Off Position_8 Pitch_62 Velocity_18 Duration_64 EOS"));
  EXPECT_EQ(s.warnings.invalid_tokens, 0);
  // 4 positions per beat at 120 ticks each.
  EXPECT_EQ(s.ticks_per_beat, 480);
  ASSERT_EQ(s.notes.size(), 3u);
  EXPECT_EQ(s.notes[0].pitch, 60);
  EXPECT_EQ(s.notes[0].velocity, 78);
  EXPECT_EQ(s.notes[0].start_tick, 0);
  EXPECT_EQ(s.notes[0].end_tick, 480);
  EXPECT_EQ(s.notes[1].pitch, 67);
  EXPECT_EQ(s.notes[1].velocity, 98);
  EXPECT_EQ(s.notes[1].end_tick, 240);
  EXPECT_EQ(s.notes[2].pitch, 62);
  EXPECT_EQ(s.notes[2].start_tick, 1920 + 8 * 120);
  EXPECT_EQ(s.notes[2].end_tick, 1920 + 72 * 120);
  ASSERT_EQ(s.tempos.size(), 2u);
  EXPECT_EQ(s.tempos[0].tick, 0);
  EXPECT_NEAR(s.tempos[0].bpm, 120.0, 1e-9);  // bin 20 of 31: 30 * 2^(20/10)
  EXPECT_EQ(s.tempos[1].tick, 1920 + 240);
  EXPECT_NEAR(s.tempos[1].bpm, 60.0, 1e-9);  // bin 10
  ASSERT_EQ(s.pedal.size(), 2u);
  EXPECT_TRUE(s.pedal[0].down);
  EXPECT_EQ(s.pedal[1].tick, 2160);
  EXPECT_FALSE(s.pedal[1].down);
  ASSERT_EQ(s.time_signatures.size(), 1u);
  EXPECT_EQ(s.time_signatures[0].numerator, 4);
  // Seconds follow the decoded tempo map: 2160 ticks at 120 BPM, then 60 BPM.
  double change = 2160.0 / 480.0 * 60.0 / s.tempos[0].bpm;
  EXPECT_NEAR(s.notes[2].start_seconds, change + 720.0 / 480.0 * 60.0 / s.tempos[1].bpm, 1e-9);
}

TEST(RemiDecode, TimeSignatureTokensSetBarLengthsAndTheScoreMetre) {
  TokenizerConfig c;
  c.use_time_signature = true;
  auto tok = Tokenizer::create(c);
  Score s = tok->decode(ids_of(*tok,
                               "BOS Bar TimeSig_3/4 Position_0 Pitch_60 Velocity_78 Duration_1 "
                               "Bar Position_11 Pitch_61 Velocity_78 Duration_1 "
                               "Bar TimeSig_6/8 Bar Position_1 Pitch_62 Velocity_78 Duration_1 EOS"));
  EXPECT_EQ(s.warnings.invalid_tokens, 0);
  ASSERT_EQ(s.notes.size(), 3u);
  EXPECT_EQ(s.notes[1].start_tick, (12 + 11) * 120);
  EXPECT_EQ(s.notes[2].start_tick, (12 + 12 + 12 + 1) * 120);
  ASSERT_EQ(s.time_signatures.size(), 2u);
  EXPECT_EQ(s.time_signatures[0].tick, 0);
  EXPECT_EQ(s.time_signatures[0].numerator, 3);
  EXPECT_EQ(s.time_signatures[1].tick, 24 * 120);
  EXPECT_EQ(s.time_signatures[1].denominator, 8);
}

TEST(RemiDecode, IllFormedRunsAreSkippedAndCounted) {
  auto tok = Tokenizer::create();
  struct Case {
    const char* text;
    int64_t invalid;
    size_t notes;
  };
  const Case cases[] = {
      // Pitch without Velocity: the Bar that interrupts it drops Position and
      // Pitch, then is itself accepted.
      {"BOS Bar Position_0 Pitch_60 Bar Position_0 Pitch_62 Velocity_78 Duration_1 EOS", 2, 1},
      // Missing Bar before the first Position: the whole cell is refused.
      {"BOS Position_0 Pitch_60 Velocity_78 Duration_1 EOS", 4, 0},
      // Positions must increase inside a bar.
      {"BOS Bar Position_4 Pitch_60 Velocity_78 Duration_1 Position_2 Pitch_58 Velocity_78 Duration_1 EOS", 4, 1},
      // ... and a skipped Position leaves the next note in the current cell.
      {"BOS Bar Position_4 Pitch_60 Velocity_78 Duration_1 Position_2 Pitch_62 Velocity_78 Duration_1 EOS", 1, 2},
      // A repeated or lower pitch in one cell.
      {"BOS Bar Position_0 Pitch_64 Velocity_78 Duration_1 Pitch_60 Velocity_78 Duration_1 EOS", 3, 1},
      // Position with nothing after it, then EOS.
      {"BOS Bar Position_0 Pitch_60 Velocity_78 Duration_1 Position_3 EOS", 1, 1},
      // Tokens after EOS.
      {"BOS Bar Position_0 Pitch_60 Velocity_78 Duration_1 EOS Bar Position_1", 2, 1},
      // Pedal_Off while the pedal is up: the cell it opens is lost with it.
      {"BOS Bar Position_0 Pedal_Off Pitch_60 Velocity_78 Duration_1 EOS", 5, 0},
      // No BOS at all: supplied; a truncated note at the end is dropped.
      {"Bar Position_0 Pitch_60 Velocity_78 Duration_1 Position_1 Pitch_61 Velocity_78", 3, 1},
      // Padding is ignored anywhere.
      {"PAD BOS Bar PAD Position_0 Pitch_60 PAD Velocity_78 Duration_1 EOS PAD PAD", 0, 1},
  };
  for (const auto& c : cases) {
    Score s = tok->decode(ids_of(*tok, c.text));
    EXPECT_EQ(s.warnings.invalid_tokens, c.invalid) << c.text;
    EXPECT_EQ(s.notes.size(), c.notes) << c.text;
  }
  std::vector<int32_t> out_of_range = {tok->bos_id(), -7, tok->vocab_size(), 1 << 30, tok->eos_id()};
  EXPECT_EQ(tok->decode(out_of_range).warnings.invalid_tokens, 3);
  EXPECT_EQ(tok->decode(nullptr, 0).notes.size(), 0u);
}

// Any id sequence decodes to a valid score.
void expect_valid(const Score& s, const TokenizerConfig& c, size_t length) {
  ASSERT_GT(s.ticks_per_beat, 0);
  ASSERT_LE(s.warnings.invalid_tokens, static_cast<int64_t>(length));
  for (size_t i = 0; i < s.notes.size(); ++i) {
    const Note& n = s.notes[i];
    ASSERT_GE(n.pitch, c.pitch_min);
    ASSERT_LE(n.pitch, c.pitch_max);
    ASSERT_GE(n.velocity, 1);
    ASSERT_LE(n.velocity, 127);
    ASSERT_GE(n.start_tick, 0);
    ASSERT_GT(n.end_tick, n.start_tick);
    ASSERT_GE(n.end_seconds, n.start_seconds);
    if (i > 0) {
      const Note& p = s.notes[i - 1];
      ASSERT_TRUE(p.start_tick < n.start_tick || (p.start_tick == n.start_tick && p.pitch < n.pitch));
    }
  }
  ASSERT_FALSE(s.tempos.empty());
  ASSERT_EQ(s.tempos.front().tick, 0);
  for (size_t i = 1; i < s.tempos.size(); ++i) ASSERT_GT(s.tempos[i].tick, s.tempos[i - 1].tick);
  for (const auto& t : s.tempos) ASSERT_GT(t.bpm, 0.0);
  ASSERT_FALSE(s.time_signatures.empty());
  ASSERT_EQ(s.time_signatures.front().tick, 0);
  for (size_t i = 1; i < s.pedal.size(); ++i) {
    ASSERT_GE(s.pedal[i].tick, s.pedal[i - 1].tick);
    ASSERT_NE(s.pedal[i].down, s.pedal[i - 1].down);  // pedal tokens alternate
  }
}

TEST(RemiDecode, IsTotalOverRandomIdSequences) {
  std::mt19937 rng(20240601);
  int64_t invalid_total = 0, notes_total = 0;
  for (const auto& config : test::test_configs()) {
    auto tok = Tokenizer::create(config);
    const int32_t v = tok->vocab_size();
    for (int i = 0; i < 2500; ++i) {
      std::vector<int32_t> ids(rng() % 300);
      for (auto& id : ids) {
        // Mostly in-range ids, some out of range in both directions.
        id = rng() % 20 == 0 ? static_cast<int32_t>(rng() % 1000) - 500 : static_cast<int32_t>(rng() % v);
      }
      if (i % 2) ids.insert(ids.begin(), tok->bos_id());
      Score s;
      ASSERT_NO_THROW(s = tok->decode(ids));
      expect_valid(s, config, ids.size());
      invalid_total += s.warnings.invalid_tokens;
      notes_total += static_cast<int64_t>(s.notes.size());
    }
  }
  // Random ids are mostly nonsense; the decoder must have said so.
  EXPECT_GT(invalid_total, 0);
  EXPECT_GE(notes_total, 0);
}

}  // namespace
}  // namespace emopiano
