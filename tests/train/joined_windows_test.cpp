// What the emotion input teaches: joined windows (two pieces of different
// quadrants at a bar line, the emotion switching with them), emotion dropout,
// unlabelled pieces, and Key tokens under transposition.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "core/key_code.hpp"
#include "emopiano/tokenizer.hpp"
#include "train/pitch_transposer.hpp"
#include "train/window_batcher.hpp"

namespace emopiano::train {
namespace {

TokenizerConfig key_config() {
  TokenizerConfig c;
  c.use_key = true;
  c.emotion_token = false;
  return c;
}

// `bars` bars of 384-tick beats: a note a beat (pitch from `base`), the pedal
// pressed on the last beat of odd bars and held over the next bar line, in key `key`.
Score piece(int bars, int base, MusicalKey key) {
  Score s;
  s.ticks_per_beat = 384;
  for (int beat = 0; beat < bars * 4; ++beat) {
    Note n;
    n.pitch = base + (beat * 5) % 12;
    n.velocity = 50 + beat % 40;
    n.start_tick = int64_t{beat} * 384;
    n.end_tick = n.start_tick + 300;
    s.notes.push_back(n);
  }
  for (int bar = 1; bar < bars; bar += 2) {
    s.pedal.push_back({int64_t{bar} * 1536 + 3 * 384, 0.0, true, 127});
    s.pedal.push_back({int64_t{bar + 1} * 1536 + 384, 0.0, false, 0});
  }
  s.tempos = {TempoChange{0, 0.0, 90.0 + base}};
  s.time_signatures = {TimeSignature{0, 4, 4}};
  s.keys = {KeySignature{0, key.tonic, key.major}};
  s.normalize();
  return s;
}

struct Corpus {
  std::unique_ptr<Tokenizer> tok = Tokenizer::create(key_config());
  std::vector<TrainingPiece> pieces;
  Corpus() {
    pieces.push_back(make_training_piece(*tok, tok->encode(piece(12, 60, {0, true})), Quadrant::Q1));
    pieces.push_back(make_training_piece(*tok, tok->encode(piece(10, 50, {9, false})), Quadrant::Q3));
    pieces.push_back(make_training_piece(*tok, tok->encode(piece(9, 55, {2, false})), Quadrant::Q2));
    pieces.push_back(make_training_piece(*tok, tok->encode(piece(8, 58, {5, true})), Quadrant::Q4, false));
  }
};

int quadrant_at(const Batch& b, int64_t cell) {
  int q = -1;
  for (int k = 0; k < 4; ++k)
    if (b.emotion[static_cast<size_t>(cell * 4 + k)] == 1.0f) q = k;
  return q;
}

TEST(JoinedWindows, SwitchAtABarLineWithTheEmotionAndDecodeCleanly) {
  Corpus c;
  WindowOptions options;
  options.join_probability = 1.0;
  const int64_t context = 96;
  WindowBatcher b(c.pieces, context, c.tok->pad_id(), 255, nullptr, options);
  std::mt19937_64 rng(3);
  const int32_t bar = c.tok->token_from_string("Bar");
  int joined = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<WindowSpec> specs;
    Batch batch = b.sample(1, rng, &specs);
    const WindowSpec& w = specs[0];
    if (!c.pieces[w.piece].labelled) {
      EXPECT_FALSE(w.joined);  // unlabelled pieces are never joined
      continue;
    }
    ASSERT_TRUE(w.joined);
    ++joined;
    const auto& a = c.pieces[w.piece];
    const auto& second = c.pieces[w.second];
    EXPECT_NE(a.label, second.label);
    EXPECT_TRUE(second.labelled);
    // The join: the first Bar of the row at which the emotion changes.
    const int64_t cut_in_row = w.cut - w.start;
    ASSERT_GT(cut_in_row, 0);
    ASSERT_LT(cut_in_row, context);
    EXPECT_EQ(batch.tokens[static_cast<size_t>(cut_in_row)], bar);
    // The joined sequence is grammatical: the first piece from its BOS to the
    // cut, then the row from the join on, every token accepted by the grammar
    // (the pedal is up at the cut and the second piece starts with it up).
    auto g = c.tok->grammar();
    for (int64_t i = 0; i < w.cut; ++i) ASSERT_TRUE(g->advance(a.tokens[static_cast<size_t>(i)]));
    for (int64_t t = cut_in_row; t < context; ++t) {
      const int32_t id = batch.tokens[static_cast<size_t>(t)];
      if (id == c.tok->pad_id()) break;
      EXPECT_TRUE(g->advance(id)) << "trial " << trial << " row token " << t << " " << c.tok->token_to_string(id);
    }
    for (int64_t t = 0; t < context; ++t) {
      const int expected = t < cut_in_row ? static_cast<int>(a.label) : static_cast<int>(second.label);
      EXPECT_EQ(quadrant_at(batch, t), expected) << "trial " << trial << " t " << t;
    }
    // The second piece's key is restated after its first Bar, and bars keep counting.
    EXPECT_EQ(c.tok->key_of(batch.tokens[static_cast<size_t>(cut_in_row + 1)]), c.tok->key_of(second.opening_key));
    EXPECT_EQ(batch.bars[static_cast<size_t>(cut_in_row)], batch.bars[static_cast<size_t>(cut_in_row - 1)] + 1);
  }
  EXPECT_GT(joined, 100);
}

// join_inside: the second piece comes in at a bar line past its opening (an
// opening is often a sparse pickup bar), its key restated, bars counting on.
TEST(JoinedWindows, InsideTheSecondPieceAtABarLineWithItsKey) {
  Corpus c;
  WindowOptions options;
  options.join_probability = 1.0;
  options.join_inside = 1.0;
  const int64_t context = 96;
  WindowBatcher b(c.pieces, context, c.tok->pad_id(), 255, nullptr, options);
  std::mt19937_64 rng(5);
  const int32_t bar = c.tok->token_from_string("Bar");
  int inside = 0;
  std::set<int64_t> starts;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<WindowSpec> specs;
    Batch batch = b.sample(1, rng, &specs);
    const WindowSpec& w = specs[0];
    if (!w.joined) continue;
    const auto& a = c.pieces[w.piece];
    const auto& second = c.pieces[w.second];
    ASSERT_GE(w.second_start, 0);  // every corpus piece has bar lines with the pedal up past its first
    ++inside;
    starts.insert(w.second_start);
    EXPECT_GT(w.second_start, second.first_bar);
    EXPECT_EQ(second.tokens[static_cast<size_t>(w.second_start)], bar);
    const int64_t cut_in_row = w.cut - w.start;
    ASSERT_GT(cut_in_row, 0);
    ASSERT_LT(cut_in_row, context - 2);
    // The row: A to the cut, B's Bar, B's key restated (it differs from A's in
    // this corpus), then B from the token after that Bar.
    EXPECT_EQ(batch.tokens[static_cast<size_t>(cut_in_row)], bar);
    EXPECT_EQ(c.tok->key_of(static_cast<int32_t>(batch.tokens[static_cast<size_t>(cut_in_row + 1)])),
              c.tok->key_of(second.opening_key));
    for (int64_t t = cut_in_row + 2, i = w.second_start + 1; t < context; ++t, ++i) {
      if (batch.tokens[static_cast<size_t>(t)] == c.tok->pad_id()) break;
      ASSERT_LT(static_cast<size_t>(i), second.tokens.size());
      EXPECT_EQ(batch.tokens[static_cast<size_t>(t)], second.tokens[static_cast<size_t>(i)]) << "trial " << trial;
    }
    // Grammatical as a whole, the emotion switching at the join, bars counting on.
    auto g = c.tok->grammar();
    for (int64_t i = 0; i < w.cut; ++i) ASSERT_TRUE(g->advance(a.tokens[static_cast<size_t>(i)]));
    for (int64_t t = cut_in_row; t < context; ++t) {
      const int32_t id = static_cast<int32_t>(batch.tokens[static_cast<size_t>(t)]);
      if (id == c.tok->pad_id()) break;
      EXPECT_TRUE(g->advance(id)) << "trial " << trial << " row token " << t << " " << c.tok->token_to_string(id);
    }
    for (int64_t t = 0; t < context; ++t) {
      const int expected = t < cut_in_row ? static_cast<int>(a.label) : static_cast<int>(second.label);
      EXPECT_EQ(quadrant_at(batch, t), expected) << "trial " << trial << " t " << t;
    }
    EXPECT_EQ(batch.bars[static_cast<size_t>(cut_in_row)], batch.bars[static_cast<size_t>(cut_in_row - 1)] + 1);
    for (int64_t t = cut_in_row + 1; t < context && batch.tokens[static_cast<size_t>(t)] != c.tok->pad_id(); ++t) {
      const int64_t step = batch.bars[static_cast<size_t>(t)] - batch.bars[static_cast<size_t>(t - 1)];
      EXPECT_EQ(step, batch.tokens[static_cast<size_t>(t)] == bar ? 1 : 0) << "trial " << trial << " t " << t;
    }
  }
  EXPECT_GT(inside, 100);
  EXPECT_GT(starts.size(), 5u);  // many bar lines, not one
}

TEST(JoinedWindows, CutsOnlyWhereThePedalIsUp) {
  Corpus c;
  const int32_t bar = c.tok->token_from_string("Bar");
  const int32_t on = c.tok->token_from_string("Pedal_On"), off = c.tok->token_from_string("Pedal_Off");
  for (const auto& p : c.pieces) {
    std::set<int32_t> cuts(p.cut_points.begin(), p.cut_points.end());
    bool down = false;
    int bars = 0;
    for (size_t i = 0; i < p.tokens.size(); ++i) {
      if (p.tokens[i] == on) down = true;
      if (p.tokens[i] == off) down = false;
      if (p.tokens[i] == bar) {
        ++bars;
        EXPECT_EQ(cuts.count(static_cast<int32_t>(i)) == 1, !down);
      }
    }
    EXPECT_GT(bars, 0);
    EXPECT_LT(cuts.size(), static_cast<size_t>(bars));  // some bars start with the pedal down
  }
}

TEST(EmotionDropout, NullRowsAtTheRequestedRateAndUnlabelledAlwaysNull) {
  Corpus c;
  WindowOptions options;
  options.emotion_dropout = 0.25;
  WindowBatcher b(c.pieces, 64, c.tok->pad_id(), 255, nullptr, options);
  std::mt19937_64 rng(9);
  int labelled = 0, nulled = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<WindowSpec> specs;
    Batch batch = b.sample(1, rng, &specs);
    float sum = 0;
    for (float x : batch.emotion) sum += x;
    const bool null_row = sum == 0.0f;
    EXPECT_EQ(null_row, specs[0].null_emotion);
    if (!c.pieces[specs[0].piece].labelled) {
      EXPECT_TRUE(null_row);
    } else {
      ++labelled;
      nulled += null_row;
      if (!null_row) EXPECT_EQ(sum, 64.0f);  // one-hot at every position
    }
  }
  EXPECT_NEAR(static_cast<double>(nulled) / labelled, 0.25, 0.04);
}

TEST(EmotionDropout, OffLeavesBatchesAsTheyWere) {
  Corpus c;
  WindowBatcher plain(c.pieces, 64, c.tok->pad_id(), 255, nullptr);
  WindowBatcher zero(c.pieces, 64, c.tok->pad_id(), 255, nullptr, WindowOptions{0.0, 0.0});
  std::mt19937_64 r1(4), r2(4);
  for (int i = 0; i < 50; ++i) {
    Batch x = plain.sample(2, r1), y = zero.sample(2, r2);
    EXPECT_EQ(x.tokens, y.tokens);
    EXPECT_EQ(x.emotion, y.emotion);
  }
}

TEST(KeyTransposition, KeyTokensMoveWithThePitches) {
  auto tok = Tokenizer::create(key_config());
  PitchTransposer t(*tok, -6, 6);
  for (int i = 0; i < kNumKeys; ++i) {
    const MusicalKey k = key_from_index(i);
    for (int s = -6; s <= 6; ++s)
      EXPECT_EQ(tok->key_of(t.transpose(*tok->key_id(k), s)), k.transposed(s)) << k.name() << " by " << s;
  }
  // A whole encoded piece: transposing the tokens equals encoding the transposed piece.
  Score s = piece(4, 60, {9, false});
  Score up = s;
  for (auto& n : up.notes) n.pitch += 3;
  for (auto& k : up.keys) k.tonic = (k.tonic + 3) % 12;
  auto ids = tok->encode(s);
  t.transpose(ids.data(), ids.size(), 3);
  EXPECT_EQ(ids, tok->encode(up));
  EXPECT_EQ(tok->token_to_string(ids[1]), "Key_C_minor");
}

// The key input at each position of a row is the key of the last Key token
// at or before it in the piece (transposed with the row), so that a model
// always knows the key, also in windows that start after the Key token.
// Rows that drop the emotion drop the key too (the null condition).
int64_t key_in_force(const Tokenizer& tok, const std::vector<int64_t>& row, size_t t, int64_t before) {
  int64_t code = before;
  for (size_t i = 0; i <= t; ++i)
    if (auto k = tok.key_of(static_cast<int32_t>(row[i]))) code = key_code(*k);
  return code;
}

class KeyInput : public ::testing::TestWithParam<double> {};

TEST_P(KeyInput, FollowsTheKeyTokensThroughTranspositionJoinsAndDropout) {
  Corpus c;
  // A piece that modulates half way, so that a window can start in either key.
  Score s = piece(12, 60, {0, true});
  s.keys.push_back(KeySignature{6 * 1536, 7, false});
  s.normalize();
  c.pieces.push_back(make_training_piece(*c.tok, c.tok->encode(s), Quadrant::Q1));
  PitchTransposer transposer(*c.tok, -5, 6);
  WindowOptions options;
  options.emotion_dropout = 0.2;
  options.join_probability = 0.5;
  options.join_inside = GetParam();  // also into the modulating piece past its change
  const int64_t context = 48;
  WindowBatcher b(c.pieces, context, c.tok->pad_id(), 255, &transposer, options);
  std::mt19937_64 rng(11);
  int joined = 0, dropped = 0, late_start = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<WindowSpec> specs;
    Batch batch = b.sample(1, rng, &specs);
    const WindowSpec& w = specs[0];
    const auto& a = c.pieces[w.piece];
    if (w.null_key) {
      ++dropped;
      for (int64_t x : batch.keys) EXPECT_EQ(x, 0);
      continue;
    }
    // The key in force before the row's first token, transposed by the row's shift.
    int64_t before = 0;
    if (w.start > 0 && a.keys[static_cast<size_t>(w.start - 1)] > 0)
      before = key_code(key_from_index(a.keys[static_cast<size_t>(w.start - 1)] - 1).transposed(w.shift));
    if (before > 0) ++late_start;
    joined += w.joined;
    for (size_t t = 0; t < static_cast<size_t>(context); ++t) {
      if (batch.tokens[t] == c.tok->pad_id()) break;
      ASSERT_EQ(batch.keys[t], key_in_force(*c.tok, batch.tokens, t, before))
          << "trial " << trial << " t " << t << (w.joined ? " joined" : "");
    }
  }
  EXPECT_GT(joined, 50);
  EXPECT_GT(dropped, 30);
  EXPECT_GT(late_start, 100);
  // make_training_piece's track itself.
  const auto& m = c.pieces.back();
  EXPECT_EQ(m.keys.front(), 0);  // BOS: before any Key token
  EXPECT_EQ(m.keys.back(), key_code(MusicalKey{7, false}));
  EXPECT_EQ(m.keys[2], key_code(MusicalKey{0, true}));
}

INSTANTIATE_TEST_SUITE_P(JoinInside, KeyInput, ::testing::Values(0.0, 0.7));

}  // namespace
}  // namespace emopiano::train
