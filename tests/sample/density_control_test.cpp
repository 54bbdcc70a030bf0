// The density control: the tilt it gives each kind of token, and pieces
// and live bars that settle at the density asked for, from a tiny untrained
// model whose own density is nowhere near it.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/session.hpp"
#include "emopiano/tokenizer.hpp"
#include "sample/density_control.hpp"
#include "tokenizer/remi_grammar.hpp"

// Its own namespace: the tests of this folder build as one unity file.
namespace emopiano::density_test {
namespace {

const Model& tiny_model() {
  static const Model model = [] {
    ModelConfig c;
    c.n_layers = 2;
    c.d_model = 32;
    c.n_heads = 2;
    c.d_ff = 64;
    c.context_length = 96;
    c.max_bars = 32;
    return Model::create(c, TokenizerConfig{}, 11);
  }();
  return model;
}

// A grammar fed `tokens` (names), with the control observing each one.
struct Fed {
  std::unique_ptr<TokenGrammar> grammar;
  const tokenizer::RemiGrammar& remi() const { return static_cast<const tokenizer::RemiGrammar&>(*grammar); }
};

Fed feed(const Tokenizer& tok, sample::DensityControl& control, const std::vector<std::string>& tokens) {
  Fed f{tok.grammar()};
  for (const auto& name : tokens) {
    EXPECT_TRUE(f.grammar->advance(tok.token_from_string(name))) << name;
    control.observe(f.remi());
  }
  return f;
}

// Bar, then `cells` cells at positions 0, 1, 2, ... each with `notes` notes.
std::vector<std::string> bar_of(int cells, int notes) {
  std::vector<std::string> t{"Bar"};
  for (int c = 0; c < cells; ++c) {
    t.push_back("Position_" + std::to_string(c));
    for (int n = 0; n < notes; ++n)
      for (const char* s : {"Pitch_", "Velocity_", "Duration_"})
        t.push_back(s + std::string(s[0] == 'P' ? std::to_string(48 + 4 * n) : s[0] == 'V' ? "66" : "2"));
  }
  return t;
}

// The logits after apply() on an all-zero row, for the tokens allowed here.
std::vector<float> tilted(const Tokenizer& tok, const sample::DensityControl& control, const Fed& f,
                          std::vector<uint8_t>& mask) {
  mask.assign(static_cast<size_t>(tok.vocab_size()), 0);
  f.grammar->allowed(mask.data());
  std::vector<float> logits(mask.size(), 0.0f);
  control.apply(f.remi(), mask.data(), logits.data());
  return logits;
}

float at(const Tokenizer& tok, const std::vector<float>& logits, const std::string& name) {
  return logits[static_cast<size_t>(tok.token_from_string(name))];
}

TEST(DensityControl, TooDenseFavoursLongerGapsAndFewerNotesToAChord) {
  const Tokenizer& tok = tiny_model().tokenizer();
  sample::DensityControl control(tok, 1.0f);  // 1 note a beat
  // 4 notes on each of the first 8 sixteenths: 32 notes in two beats.
  auto tokens = bar_of(8, 4);
  tokens.insert(tokens.begin(), "BOS");
  const Fed f = feed(tok, control, tokens);
  EXPECT_GT(control.multiplier(), 0.0);
  std::vector<uint8_t> mask;
  const auto l = tilted(tok, control, f, mask);
  // Here: after a note at position 7. Another note here costs a note and no time.
  EXPECT_LT(at(tok, l, "Pitch_90"), 0.0f);
  EXPECT_LT(at(tok, l, "Position_8"), at(tok, l, "Position_12"));
  EXPECT_LT(at(tok, l, "Position_12"), at(tok, l, "Bar"));
  EXPECT_GT(at(tok, l, "Bar"), 0.0f);
  // A gap counts up to a beat: past it, a longer gap (or the rest of the bar
  // empty) is not favoured more.
  EXPECT_EQ(at(tok, l, "Position_11"), at(tok, l, "Position_15"));
  // Only when to play is tilted: the end of the piece is left alone.
  ASSERT_TRUE(mask[static_cast<size_t>(tok.eos_id())]);
  EXPECT_EQ(l[static_cast<size_t>(tok.eos_id())], 0.0f);
}

TEST(DensityControl, TooSparseFavoursNotesSoon) {
  const Tokenizer& tok = tiny_model().tokenizer();
  sample::DensityControl control(tok, 4.0f);
  // One note, then two empty bars and a cell at the third bar's position 3.
  std::vector<std::string> tokens{"BOS", "Bar", "Position_0", "Pitch_60", "Velocity_66", "Duration_2",
                                  "Bar", "Bar", "Position_3", "Pitch_62", "Velocity_66", "Duration_2"};
  const Fed f = feed(tok, control, tokens);
  EXPECT_LT(control.multiplier(), 0.0);
  std::vector<uint8_t> mask;
  const auto l = tilted(tok, control, f, mask);
  EXPECT_GT(at(tok, l, "Pitch_70"), 0.0f);
  EXPECT_GT(at(tok, l, "Position_4"), at(tok, l, "Position_12"));
  EXPECT_LT(at(tok, l, "Bar"), at(tok, l, "Position_12"));
}

TEST(DensityControl, TheMultiplierFollowsWhichSideOfTheTargetTheMusicIs) {
  const Tokenizer& tok = tiny_model().tokenizer();
  // Two notes a beat for two bars: one on every other sixteenth.
  std::vector<std::string> tokens{"BOS"};
  for (int bar = 0; bar < 2; ++bar) {
    tokens.push_back("Bar");
    for (int p = 0; p < 16; p += 2)
      for (const char* t : {"Position_", "Pitch_60", "Velocity_66", "Duration_2"})
        tokens.push_back(t[1] == 'o' ? "Position_" + std::to_string(p) : std::string(t));
  }
  tokens.push_back("Bar");
  sample::DensityControl at_target(tok, 2.0f), sparser(tok, 1.0f), denser(tok, 4.0f);
  feed(tok, at_target, tokens);
  feed(tok, sparser, tokens);
  feed(tok, denser, tokens);
  EXPECT_LT(std::abs(at_target.multiplier()), 0.3);
  EXPECT_GT(sparser.multiplier(), 1.0);
  EXPECT_LT(denser.multiplier(), -1.0);  // A new target carries the measure over in proportion: music that was at
  // its target is not pushed towards the new one by its past.
  at_target.set_target(1.0f);
  EXPECT_NEAR(at_target.multiplier(), 0.0, 0.3);
}

TEST(DensityControl, NotesPerBeatCountsTheBarsFromTheFirstNoteToTheLast) {
  const Tokenizer& tok = tiny_model().tokenizer();
  auto ids = [&](const std::vector<std::string>& names) {
    std::vector<int32_t> t;
    for (const auto& n : names) t.push_back(tok.token_from_string(n));
    return t;
  };
  // An empty bar, then 8 and 4 notes in the next two: 12 notes over 8 beats.
  std::vector<std::string> names{"BOS", "Bar"};
  for (int bar : {8, 4}) {
    auto b = bar_of(bar, 1);
    names.insert(names.end(), b.begin(), b.end());
  }
  names.push_back("Bar");  // an empty bar after the last note: not counted either
  names.push_back("EOS");
  ASSERT_TRUE(sample::notes_per_beat(tok, ids(names)).has_value());
  EXPECT_DOUBLE_EQ(*sample::notes_per_beat(tok, ids(names)), 12.0 / 8.0);
  EXPECT_FALSE(sample::notes_per_beat(tok, ids({"BOS", "Bar", "Bar", "EOS"})).has_value());
}

// Notes per beat of a piece's bars after the first two (the control needs a
// window of music to measure).
double notes_per_beat_after(const Score& score, int from_bar, int bars) {
  const int64_t bar_ticks = 4 * static_cast<int64_t>(score.ticks_per_beat);
  int64_t n = 0;
  for (const auto& note : score.notes)
    if (note.start_tick >= from_bar * bar_ticks && note.start_tick < bars * bar_ticks) ++n;
  return static_cast<double>(n) / (4.0 * (bars - from_bar));
}

GenerationRequest request(uint64_t seed, float density) {
  GenerationRequest r;
  r.emotion = EmotionTrajectory(EmotionMix::from_quadrant(Quadrant::Q2));
  r.params.seed = seed;
  r.params.max_tokens = 20000;
  r.params.max_bars = 12;
  r.params.stop_at_eos = false;
  r.params.density = density;
  return r;
}

TEST(DensityControl, PiecesSettleAtTheDensityAskedFor) {
  Sampler sampler(tiny_model());
  const double own = notes_per_beat_after(sampler.generate(request(1, 0.0f)).score, 2, 12);
  for (float density : {0.5f, 2.0f, 5.0f}) {
    double sum = 0.0;
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const auto piece = sampler.generate(request(seed, density));
      ASSERT_EQ(piece.bars, 12);
      EXPECT_EQ(piece.score.warnings.invalid_tokens, 0);
      sum += notes_per_beat_after(piece.score, 2, 12);
    }
    const double measured = sum / 3.0;
    EXPECT_NEAR(measured, density, 0.25 * density) << "untrained model's own density " << own;
  }
}

TEST(DensityControl, LiveBarsSettleAtTheDensityAskedFor) {
  for (float density : {0.5f, 4.0f}) {
    SessionOptions o;
    o.emotion = EmotionMix::from_quadrant(Quadrant::Q3);
    o.params.seed = 4;
    o.params.density = density;
    GenerationSession session(tiny_model(), o);
    int64_t notes = 0;
    for (int bar = 0; bar < 12; ++bar) {
      const SessionBar b = session.next_bar();
      if (bar >= 2) notes += static_cast<int64_t>(b.notes.size());
    }
    EXPECT_NEAR(static_cast<double>(notes) / (4.0 * 10), density, 0.25 * density);
  }
}

// Per-quadrant densities: each bar's target is its emotion's, so the density
// changes with the emotion, in a trajectory and in a live session.
TEST(DensityControl, QuadrantDensityFollowsAChangeOfEmotion) {
  Sampler sampler(tiny_model());
  auto r = request(2, 0.0f);
  r.emotion = EmotionTrajectory::parse("Q2@0,Q2@6,Q3@6");
  r.params.quadrant_density = {3.0f, 4.0f, 0.75f, 2.0f};
  double before = 0.0, after = 0.0;
  for (uint64_t seed = 2; seed <= 4; ++seed) {
    r.params.seed = seed;
    const auto piece = sampler.generate(r);
    ASSERT_EQ(piece.bars, 12);
    before += notes_per_beat_after(piece.score, 2, 6) / 3.0;
    after += notes_per_beat_after(piece.score, 8, 12) / 3.0;
  }
  EXPECT_NEAR(before, 4.0, 1.0);
  EXPECT_NEAR(after, 0.75, 0.25);

  SessionOptions o;
  o.emotion = EmotionMix::from_quadrant(Quadrant::Q2);
  o.params.seed = 4;
  o.params.quadrant_density = {3.0f, 4.0f, 0.75f, 2.0f};
  GenerationSession session(tiny_model(), o);
  int64_t tense = 0, sad = 0;
  for (int bar = 0; bar < 12; ++bar) {
    if (bar == 6) session.set_emotion(EmotionMix::from_quadrant(Quadrant::Q3));
    const SessionBar b = session.next_bar();
    if (bar >= 2 && bar < 6) tense += static_cast<int64_t>(b.notes.size());
    if (bar >= 8) sad += static_cast<int64_t>(b.notes.size());
  }
  EXPECT_NEAR(static_cast<double>(tense) / 16.0, 4.0, 1.0);
  EXPECT_NEAR(static_cast<double>(sad) / 16.0, 0.75, 0.25);
}

TEST(DensityControl, OutOfRangeDensityIsRefused) {
  Sampler sampler(tiny_model());
  for (float density : {-1.0f, 17.0f, std::numeric_limits<float>::quiet_NaN()}) {
    auto r = request(1, density);
    try {
      sampler.generate(r);
      ADD_FAILURE() << "density " << density << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find("density"), std::string::npos) << e.what();
    }
  }  // Per quadrant: all four or none, in range, and not beside a single density.
  const std::array<std::array<float, 4>, 3> bad = {
      {{1.0f, 2.0f, 0.0f, 3.0f}, {1.0f, 2.0f, 3.0f, 40.0f}, {1.0f, 2.0f, 3.0f, 4.0f}}};
  for (size_t i = 0; i < bad.size(); ++i) {
    auto r = request(1, i == 2 ? 2.0f : 0.0f);
    r.params.quadrant_density = bad[i];
    try {
      sampler.generate(r);
      ADD_FAILURE() << "case " << i << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find("density"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace emopiano::density_test
