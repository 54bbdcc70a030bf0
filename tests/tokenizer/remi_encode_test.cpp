#include <gtest/gtest.h>

#include "emopiano/error.hpp"
#include "emopiano/tokenizer.hpp"
#include "tokenizer_fixtures.hpp"

namespace emopiano {
namespace {

using test::join_tokens;
using test::make_note;
using test::make_score;

// At 384 ticks per beat and 4 positions per beat a grid step is 96 ticks and
// a 4/4 bar 1536 ticks. 120 BPM is tempo bin 20 ("Tempo_120"),
// velocity 80 in the bin whose representative is 78 (bin 19 holds 77..80),
// 100 -> 98, 64 -> 62, 40 -> 38, 20 -> 18; 60 BPM -> Tempo_60.
constexpr int64_t kStep = 96;
constexpr int64_t kBar = 1536;

TEST(RemiEncode, CMajorChordOnTheFirstBeat) {
  auto tok = Tokenizer::create();
  Score s = make_score({make_note(60, 0, 384), make_note(64, 0, 384), make_note(67, 0, 384)});
  EXPECT_EQ(join_tokens(*tok, tok->encode(s)),
            "BOS Bar Position_0 Tempo_120 "
            "Pitch_60 Velocity_78 Duration_4 Pitch_64 Velocity_78 Duration_4 "
            "Pitch_67 Velocity_78 Duration_4 EOS");
  EXPECT_EQ(join_tokens(*tok, tok->encode(s, Quadrant::Q3)).substr(0, 20), "BOS Emotion_Q3 Bar P");
}

TEST(RemiEncode, NotesInsideACellAreSortedByPitchAndCellsByTime) {
  auto tok = Tokenizer::create();
  // Given out of order; the second beat of bar 2 and an empty bar 3 between.
  Score s = make_score({make_note(72, kBar + 384, kStep, 100), make_note(48, kBar + 384, 2 * kStep, 40),
                        make_note(55, 3 * kBar, 8 * kStep, 64)});
  EXPECT_EQ(join_tokens(*tok, tok->encode(s)),
            "BOS Bar Position_0 Tempo_120 Bar Position_4 "
            "Pitch_48 Velocity_38 Duration_2 Pitch_72 Velocity_98 Duration_1 "
            "Bar Bar Position_0 Pitch_55 Velocity_62 Duration_8 EOS");
}

TEST(RemiEncode, ANoteJustBeforeABarLineStaysInItsBar) {
  auto tok = Tokenizer::create();
  EncodeStats stats;
  Score s =
      make_score({make_note(60, kBar - 1, kStep), make_note(62, 2 * kBar - 40, kStep), make_note(64, 2 * kBar, kStep)});
  EXPECT_EQ(join_tokens(*tok, tok->encode(s, std::nullopt, &stats)),
            "BOS Bar Position_0 Tempo_120 Position_15 Pitch_60 Velocity_78 Duration_1 "
            "Bar Position_15 Pitch_62 Velocity_78 Duration_1 "
            "Bar Position_0 Pitch_64 Velocity_78 Duration_1 EOS");
  EXPECT_EQ(stats.onsets_clamped, 2);
}

TEST(RemiEncode, OnsetsRoundToTheNearestStepInsideTheBar) {
  auto tok = Tokenizer::create();
  // 47 ticks is under half a step (48); 1.5 steps rounds up; 14.51 steps is
  // still inside the bar.
  Score s =
      make_score({make_note(60, 47, kStep), make_note(62, kStep + 48, kStep), make_note(64, 14 * kStep + 49, kStep)});
  EXPECT_EQ(join_tokens(*tok, tok->encode(s)),
            "BOS Bar Position_0 Tempo_120 Pitch_60 Velocity_78 Duration_1 "
            "Position_2 Pitch_62 Velocity_78 Duration_1 "
            "Position_15 Pitch_64 Velocity_78 Duration_1 EOS");
}

TEST(RemiEncode, DurationsRoundToStepsAtLeastOneAndClip) {
  auto tok = Tokenizer::create();
  EncodeStats stats;
  Score s =
      make_score({make_note(60, 0, 0), make_note(62, 0, 143), make_note(64, 0, 144), make_note(65, 0, 100 * kStep)});
  EXPECT_EQ(join_tokens(*tok, tok->encode(s, std::nullopt, &stats)),
            "BOS Bar Position_0 Tempo_120 Pitch_60 Velocity_78 Duration_1 "
            "Pitch_62 Velocity_78 Duration_1 Pitch_64 Velocity_78 Duration_2 "
            "Pitch_65 Velocity_78 Duration_64 EOS");
  EXPECT_EQ(stats.durations_clipped, 1);
  EXPECT_EQ(stats.notes_encoded, 4);
}

TEST(RemiEncode, SamePitchOnOneCellMergesKeepingLouderAndLonger) {
  auto tok = Tokenizer::create();
  EncodeStats stats;
  Score s =
      make_score({make_note(60, 0, 8 * kStep, 40), make_note(60, 10, kStep, 100), make_note(60, kStep, kStep, 20)});
  EXPECT_EQ(join_tokens(*tok, tok->encode(s, std::nullopt, &stats)),
            "BOS Bar Position_0 Tempo_120 Pitch_60 Velocity_98 Duration_8 "
            "Position_1 Pitch_60 Velocity_18 Duration_1 EOS");
  EXPECT_EQ(stats.notes_in, 3);
  EXPECT_EQ(stats.notes_merged, 1);
  EXPECT_EQ(stats.notes_encoded, 2);
}

TEST(RemiEncode, PitchesOutsideTheRangeAreDroppedAndCounted) {
  TokenizerConfig c;
  c.pitch_min = 40;
  c.pitch_max = 80;
  auto tok = Tokenizer::create(c);
  EncodeStats stats;
  Score s = make_score({make_note(39, 0, kStep), make_note(40, 0, kStep), make_note(81, 0, kStep)});
  EXPECT_EQ(join_tokens(*tok, tok->encode(s, std::nullopt, &stats)),
            "BOS Bar Position_0 Tempo_120 Pitch_40 Velocity_78 Duration_1 EOS");
  EXPECT_EQ(stats.pitch_out_of_range, 2);
}

TEST(RemiEncode, PedalChangesOnTheGridWithoutRepeats) {
  auto tok = Tokenizer::create();
  EncodeStats stats;
  Score s = make_score({make_note(60, 0, kStep)});
  s.pedal = {{0, 0, true, 100},              // down at 0
             {20, 0, true, 120},             // repeat: dropped
             {2 * kStep, 0, false, 0},       // up at 2 ...
             {2 * kStep + 30, 0, true, 90},  // ... and down again in the same cell: net nothing
             {5 * kStep, 0, false, 0},       // up at 5
             {kBar + 10, 0, false, 0}};      // repeat: dropped
  EXPECT_EQ(join_tokens(*tok, tok->encode(s, std::nullopt, &stats)),
            "BOS Bar Position_0 Tempo_120 Pedal_On Pitch_60 Velocity_78 Duration_1 "
            "Position_5 Pedal_Off EOS");
  EXPECT_EQ(stats.pedal_events_dropped, 4);
}

TEST(RemiEncode, TempoAtTheStartAndWhereItsBinChanges) {
  auto tok = Tokenizer::create();
  EncodeStats stats;
  Score s = make_score({make_note(60, 0, kStep), make_note(62, 2 * kBar, kStep)});
  s.tempos = {{0, 0, 120.0}, {kBar, 0, 121.0}, {kBar + 4 * kStep, 0, 60.0}};
  EXPECT_EQ(join_tokens(*tok, tok->encode(s, std::nullopt, &stats)),
            "BOS Bar Position_0 Tempo_120 Pitch_60 Velocity_78 Duration_1 "
            "Bar Position_4 Tempo_60 Bar Position_0 Pitch_62 Velocity_78 Duration_1 EOS");
  EXPECT_EQ(stats.tempo_events_dropped, 1);  // 121 BPM is still bin 19

  TokenizerConfig c;
  c.use_tempo = false;
  EXPECT_EQ(join_tokens(*Tokenizer::create(c), Tokenizer::create(c)->encode(s)),
            "BOS Bar Position_0 Pitch_60 Velocity_78 Duration_1 Bar "
            "Bar Position_0 Pitch_62 Velocity_78 Duration_1 EOS");
}

TEST(RemiEncode, ChordTokensNameExactTriadsAndSevenths) {
  TokenizerConfig c;
  c.use_chords = true;
  c.use_tempo = false;
  auto tok = Tokenizer::create(c);
  // A-minor triad in first inversion (C E A), then G7 spread over octaves,
  // then C-E-G-D which is no template (added ninth): no chord token.
  Score s = make_score({make_note(60, 0, kStep), make_note(64, 0, kStep), make_note(69, 0, kStep),
                        make_note(43, kStep, kStep), make_note(59, kStep, kStep), make_note(62, kStep, kStep),
                        make_note(65, kStep, kStep), make_note(60, 2 * kStep, kStep), make_note(62, 2 * kStep, kStep),
                        make_note(64, 2 * kStep, kStep), make_note(67, 2 * kStep, kStep)});
  std::string text = join_tokens(*tok, tok->encode(s));
  EXPECT_EQ(text.substr(0, std::string("BOS Bar Position_0 Chord_A_min Pitch_60").size()),
            "BOS Bar Position_0 Chord_A_min Pitch_60");
  EXPECT_NE(text.find("Position_1 Chord_G_dom7 Pitch_43"), std::string::npos) << text;
  EXPECT_NE(text.find("Position_2 Pitch_60"), std::string::npos) << text;
  EXPECT_EQ(text.find("Chord", text.find("Position_2")), std::string::npos) << text;
}

TEST(RemiEncode, TimeSignaturesSetTheBarLengthWhenEnabled) {
  TokenizerConfig c;
  c.use_time_signature = true;
  c.use_tempo = false;
  auto tok = Tokenizer::create(c);
  // 3/4 from the start, 6/8 from tick 2 * 1152 (third bar).
  Score s = make_score({make_note(60, 0, kStep), make_note(62, 1152, kStep), make_note(64, 2304 + 1151, kStep),
                        make_note(65, 2304 + 1152, kStep)});
  s.time_signatures = {{0, 3, 4}, {2304, 6, 8}};
  EXPECT_EQ(join_tokens(*tok, tok->encode(s)),
            "BOS Bar TimeSig_3/4 Position_0 Pitch_60 Velocity_78 Duration_1 "
            "Bar Position_0 Pitch_62 Velocity_78 Duration_1 "
            "Bar TimeSig_6/8 Position_11 Pitch_64 Velocity_78 Duration_1 "
            "Bar Position_0 Pitch_65 Velocity_78 Duration_1 EOS");

  // Without TimeSig tokens every bar is 4/4, whatever the score says.
  auto plain = Tokenizer::create();
  EXPECT_EQ(join_tokens(*plain, plain->encode(s)),
            "BOS Bar Position_0 Tempo_120 Pitch_60 Velocity_78 Duration_1 "
            "Position_12 Pitch_62 Velocity_78 Duration_1 "
            "Bar Bar Position_4 Pitch_64 Velocity_78 Duration_1 Pitch_65 Velocity_78 Duration_1 EOS");
}

TEST(RemiEncode, AMetreChangeOffTheBarLineStartsAtTheNextBar) {
  TokenizerConfig c;
  c.use_time_signature = true;
  c.use_tempo = false;
  auto tok = Tokenizer::create(c);
  // 3/4 declared in the middle of the first 4/4 bar: bar 2 is the first in 3/4.
  Score s = make_score({make_note(60, kBar + 1152, kStep)});
  s.time_signatures = {{0, 4, 4}, {700, 3, 4}};
  EXPECT_EQ(join_tokens(*tok, tok->encode(s)),
            "BOS Bar TimeSig_4/4 Bar TimeSig_3/4 Bar Position_0 Pitch_60 Velocity_78 Duration_1 EOS");
}

TEST(RemiEncode, AnyTicksPerBeatGivesTheSameTokens) {
  auto tok = Tokenizer::create();
  for (int tpb : {4, 96, 384, 480, 1000, 7}) {
    Score s = make_score({make_note(60, tpb, tpb / 2), make_note(62, 9 * tpb, 2 * tpb)}, tpb);
    EXPECT_EQ(join_tokens(*tok, tok->encode(s)),
              "BOS Bar Position_0 Tempo_120 Position_4 Pitch_60 Velocity_78 Duration_2 "
              "Bar Bar Position_4 Pitch_62 Velocity_78 Duration_8 EOS")
        << "ticks per beat " << tpb;
  }
}

TEST(RemiEncode, EmptyScoreAndBadResolution) {
  auto tok = Tokenizer::create();
  Score empty = make_score({});
  EXPECT_EQ(join_tokens(*tok, tok->encode(empty)), "BOS Bar Position_0 Tempo_120 EOS");
  TokenizerConfig c;
  c.use_tempo = false;
  EXPECT_EQ(join_tokens(*tok, Tokenizer::create(c)->encode(empty, Quadrant::Q2)), "BOS Emotion_Q2 EOS");

  Score bad = empty;
  bad.ticks_per_beat = 0;
  try {
    tok->encode(bad);
    FAIL() << "ticks_per_beat 0 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
  Score huge = make_score({make_note(60, int64_t{1} << 40, 10)});
  EXPECT_THROW(tok->encode(huge), Error);
}

}  // namespace
}  // namespace emopiano
