// Segments of real EMOPIA pieces: each follows the token grammar, holds at
// most segment_bars bars, states the tempo and pedal in force, and together
// they keep every note of the piece.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "emopiano/midi.hpp"
#include "emopiano/tokenizer.hpp"
#include "support/test_support.hpp"
#include "vae/segments.hpp"

namespace emopiano {
namespace {

int count_prefix(const Tokenizer& tok, const std::vector<int32_t>& ids, const std::string& prefix) {
  return static_cast<int>(
      std::count_if(ids.begin(), ids.end(), [&](int32_t t) { return tok.token_to_string(t).rfind(prefix, 0) == 0; }));
}

TEST(SegmentCutter, CutsRealPiecesIntoGrammaticalSegments) {
  EMOPIANO_NEED_EMOPIA();
  auto tok = Tokenizer::create();
  vae::SegmentCutter cutter(*tok, 4, 4096);  // no length cut: every note must survive
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(test::emopia_midis())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  int checked = 0, with_pedal_restated = 0;
  for (size_t i = 0; i < files.size() && checked < 40; i += files.size() / 40, ++checked) {
    const auto piece = tok->encode(read_midi_file(files[i]), Quadrant::Q2);
    const auto segments = cutter.all(piece, Quadrant::Q2);
    const int piece_bars = count_prefix(*tok, piece, "Bar");
    ASSERT_EQ(static_cast<int>(segments.size()), (piece_bars + 3) / 4) << files[i];
    int notes = 0;
    for (const auto& s : segments) {
      ASSERT_GE(s.size(), 4u);
      EXPECT_EQ(s[0], tok->bos_id());
      EXPECT_EQ(s[1], tok->emotion_id(Quadrant::Q2));
      EXPECT_EQ(tok->token_to_string(s[2]), "Bar");
      EXPECT_EQ(s.back(), tok->eos_id());
      EXPECT_LE(count_prefix(*tok, s, "Bar"), 4);
      EXPECT_NO_THROW(cutter.inputs(s)) << files[i];
      // A segment with notes plays at a stated tempo.
      if (count_prefix(*tok, s, "Pitch_") > 0) EXPECT_GE(count_prefix(*tok, s, "Tempo_"), 1) << files[i];
      notes += count_prefix(*tok, s, "Pitch_");
      auto first_position = std::find_if(s.begin(), s.end(),
                                         [&](int32_t t) { return tok->token_to_string(t).rfind("Position_", 0) == 0; });
      if (first_position != s.end() && &s != &segments.front()) {
        for (auto it = first_position; it != s.end() && it < first_position + 3; ++it)
          if (tok->token_to_string(*it) == "Pedal_On") ++with_pedal_restated;
      }
    }
    EXPECT_EQ(notes, count_prefix(*tok, piece, "Pitch_")) << files[i];
  }
  EXPECT_GE(checked, 30);
  // EMOPIA pieces hold the pedal over bar lines: some segments must press it again.
  EXPECT_GT(with_pedal_restated, 0);
}

TEST(SegmentCutter, ALongSegmentLosesWholeBarsFirst) {
  EMOPIANO_NEED_EMOPIA();
  auto tok = Tokenizer::create();
  std::filesystem::path file;
  for (const auto& e : std::filesystem::directory_iterator(test::emopia_midis())) {
    file = e.path();
    break;
  }
  const auto piece = tok->encode(read_midi_file(file), Quadrant::Q1);
  vae::SegmentCutter wide(*tok, 4, 4096), narrow(*tok, 4, 60);
  const auto full = wide.all(piece, Quadrant::Q1).front();
  const auto cut = narrow.all(piece, Quadrant::Q1).front();
  ASSERT_GT(full.size(), 60u);
  EXPECT_LE(cut.size(), 60u);
  EXPECT_NO_THROW(narrow.inputs(cut));
  // The cut segment is a prefix of the full one, then EOS.
  EXPECT_TRUE(std::equal(cut.begin(), cut.end() - 1, full.begin()));
}

// A one-bar segment longer than the limit is cut inside its bar: wherever
// the limit falls, the segment still ends where the grammar allows.
TEST(SegmentCutter, AnOverLongSingleBarIsCutWhereThePieceMayEnd) {
  EMOPIANO_NEED_EMOPIA();
  auto tok = Tokenizer::create();
  std::filesystem::path file;
  for (const auto& e : std::filesystem::directory_iterator(test::emopia_midis())) {
    file = e.path();
    break;
  }
  const auto piece = tok->encode(read_midi_file(file), Quadrant::Q3);
  vae::SegmentCutter wide(*tok, 1, 4096);
  const auto bars = wide.bar_starts(piece);
  // The longest bar of the piece.
  size_t longest = 0, longest_size = 0;
  for (size_t b = 0; b < bars.size(); ++b) {
    const size_t size = wide.segment(piece, bars, b, Quadrant::Q3).size();
    if (size > longest_size) {
      longest = b;
      longest_size = size;
    }
  }
  ASSERT_GT(longest_size, 24u);
  const auto full = wide.segment(piece, bars, longest, Quadrant::Q3);
  for (int limit = 8; limit < static_cast<int>(longest_size); ++limit) {
    vae::SegmentCutter narrow(*tok, 1, limit);
    const auto cut = narrow.segment(piece, bars, longest, Quadrant::Q3);
    EXPECT_LE(static_cast<int>(cut.size()), limit);
    EXPECT_EQ(cut.back(), tok->eos_id());
    EXPECT_NO_THROW(narrow.inputs(cut)) << "limit " << limit;
    EXPECT_TRUE(std::equal(cut.begin(), cut.end() - 1, full.begin())) << "limit " << limit;
  }
}

// Segments decode alone with the pedal up at their start. Joined after one
// that leaves the pedal down, a segment releases it on its bar line, or keeps
// it held where it presses it there; the piece follows the grammar and keeps
// every note.
TEST(SegmentCutter, JoinCarriesThePedalOverTheBarLine) {
  auto tok = Tokenizer::create();
  vae::SegmentCutter cutter(*tok, 1, 512);
  auto ids = [&](const std::vector<std::string>& names) {
    std::vector<int32_t> out;
    for (const auto& n : names) out.push_back(tok->token_from_string(n));
    return out;
  };
  const auto held = ids({"BOS", "Emotion_Q4", "Bar", "Position_0", "Tempo_120", "Pedal_On", "Position_4", "Pitch_60",
                         "Velocity_46", "Duration_4", "EOS"});
  const auto pressed_later =
      ids({"BOS", "Emotion_Q4", "Bar", "Position_0", "Tempo_120", "Pitch_72", "Velocity_66", "Duration_4", "Position_2",
           "Pedal_On", "Pitch_72", "Velocity_50", "Duration_1", "EOS"});
  const auto pressed_on_the_line = ids({"BOS", "Emotion_Q4", "Bar", "Position_0", "Pedal_On", "Position_4", "Pitch_64",
                                        "Velocity_46", "Duration_2", "EOS"});
  const auto starts_later =
      ids({"BOS", "Emotion_Q4", "Bar", "Position_3", "Pitch_67", "Velocity_46", "Duration_2", "EOS"});
  auto notes = [&](const std::vector<int32_t>& t) { return count_prefix(*tok, t, "Pitch_"); };
  for (const auto& second : {pressed_later, pressed_on_the_line, starts_later}) {
    const auto joined = cutter.join({held, second});
    const Score piece = tok->decode(joined);
    EXPECT_EQ(piece.warnings.invalid_tokens, 0);
    EXPECT_EQ(static_cast<int>(piece.notes.size()), notes(held) + notes(second));
    EXPECT_EQ(count_prefix(*tok, joined, "Bar"), 2);
    // The second bar sounds as the segment alone: the pedal is up at its
    // start unless the segment presses it there.
    const int64_t bar_line = 4 * piece.ticks_per_beat;  // 4/4
    bool down_at_line = false;
    for (const auto& p : piece.pedal)
      if (p.tick <= bar_line) down_at_line = p.down;
    EXPECT_EQ(down_at_line, second == pressed_on_the_line);
  }
  // Nothing to carry: the segments' own bars, one after another.
  std::vector<int32_t> expected(starts_later.begin(), starts_later.end() - 1);
  expected.insert(expected.end(), pressed_later.begin() + 2, pressed_later.end());
  EXPECT_EQ(cutter.join({starts_later, pressed_later}), expected);
  EXPECT_TRUE(cutter.join({}).empty());
}

}  // namespace
}  // namespace emopiano
