// Windows, padding and the loss mask, on hand-made token arrays.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "emopiano/error.hpp"
#include "train/window_batcher.hpp"

namespace emopiano::train {
namespace {

constexpr int32_t kPad = 0;

// Tokens 10, 11, 12, ... so every id says where it came from.
TrainingPiece counting_piece(int n, Quadrant q, int first = 10) {
  TrainingPiece p;
  for (int i = 0; i < n; ++i) {
    p.tokens.push_back(first + i);
    p.bars.push_back(i / 4);
    p.positions.push_back(i % 4);
  }
  p.label = q;
  return p;
}

TEST(WindowBatcher, ShortPieceIsPaddedAndPaddingIsMasked) {
  std::vector<TrainingPiece> pieces{counting_piece(6, Quadrant::Q3)};
  WindowBatcher b(pieces, 8, kPad, 100, nullptr);
  std::mt19937_64 rng(1);
  Batch batch = b.sample(2, rng);
  ASSERT_EQ(batch.rows, 2);
  ASSERT_EQ(batch.length, 8);
  EXPECT_EQ(batch.target_count, 2 * 5);  // 6 tokens -> 5 next-token targets per row
  for (int r = 0; r < 2; ++r) {
    for (int t = 0; t < 8; ++t) {
      const size_t c = static_cast<size_t>(r * 8 + t);
      if (t < 5) {
        EXPECT_EQ(batch.tokens[c], 10 + t);
        EXPECT_EQ(batch.targets[c], 11 + t);
        EXPECT_EQ(batch.bars[c], t / 4);
        EXPECT_EQ(batch.positions[c], t % 4);
      } else {
        EXPECT_EQ(batch.tokens[c], kPad);
        EXPECT_EQ(batch.targets[c], kPad);  // ignored by the loss
      }
      // The label at every position, padding included.
      for (int q = 0; q < 4; ++q) EXPECT_EQ(batch.emotion[c * 4 + q], q == 2 ? 1.0f : 0.0f);
    }
  }
}

TEST(WindowBatcher, LongPieceGivesContiguousWindowsAtAnyStart) {
  std::vector<TrainingPiece> pieces{counting_piece(100, Quadrant::Q1)};
  WindowBatcher b(pieces, 16, kPad, 100, nullptr);
  std::mt19937_64 rng(3);
  std::map<int64_t, int> starts;
  for (int i = 0; i < 400; ++i) {
    std::vector<WindowSpec> specs;
    Batch batch = b.sample(1, rng, &specs);
    const int64_t s = specs[0].start;
    ASSERT_GE(s, 0);
    ASSERT_LE(s, 100 - 17);  // a full window of 16 inputs + 1 target
    ++starts[s];
    EXPECT_EQ(batch.target_count, 16);
    for (int t = 0; t < 16; ++t) {
      EXPECT_EQ(batch.tokens[static_cast<size_t>(t)], 10 + s + t);
      EXPECT_EQ(batch.targets[static_cast<size_t>(t)], 11 + s + t);
    }
  }
  EXPECT_GT(starts.size(), 60u);  // starts spread over the 84 possible
  EXPECT_TRUE(starts.count(0) || starts.count(1));
}

TEST(WindowBatcher, PiecesAreDrawnByLength) {
  std::vector<TrainingPiece> pieces{counting_piece(11, Quadrant::Q1), counting_piece(91, Quadrant::Q4, 500)};
  WindowBatcher b(pieces, 8, kPad, 100, nullptr);
  std::mt19937_64 rng(5);
  int long_piece = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    std::vector<WindowSpec> specs;
    b.sample(1, rng, &specs);
    long_piece += specs[0].piece == 1;
  }
  // 90 of 100 targets are in the long piece.
  EXPECT_NEAR(static_cast<double>(long_piece) / n, 0.9, 0.03);
}

TEST(WindowBatcher, EvaluationWindowsCoverEveryTargetOnce) {
  std::vector<TrainingPiece> pieces{counting_piece(37, Quadrant::Q2), counting_piece(5, Quadrant::Q4, 300),
                                    counting_piece(1, Quadrant::Q1, 900)};
  WindowBatcher b(pieces, 8, kPad, 100, nullptr);
  auto windows = b.evaluation_windows();
  Batch batch = b.make_batch(windows);
  EXPECT_EQ(batch.target_count, 36 + 4);  // a one-token piece has nothing to predict
  std::map<int64_t, int> seen;
  for (size_t c = 0; c < batch.targets.size(); ++c)
    if (batch.targets[c] != kPad) ++seen[batch.targets[c]];
  EXPECT_EQ(seen.size(), 40u);
  for (auto& [id, count] : seen) EXPECT_EQ(count, 1) << id;
  for (int i = 1; i < 37; ++i) EXPECT_TRUE(seen.count(10 + i));
}

TEST(WindowBatcher, BarsAreClampedToTheModel) {
  std::vector<TrainingPiece> pieces{counting_piece(40, Quadrant::Q1)};  // bars 0..9
  WindowBatcher b(pieces, 64, kPad, 3, nullptr);
  Batch batch = b.make_batch(b.evaluation_windows());
  int64_t max_bar = 0;
  for (auto v : batch.bars) max_bar = std::max(max_bar, v);
  EXPECT_EQ(max_bar, 3);
}

TEST(WindowBatcher, NothingToTrainOnIsAnError) {
  std::vector<TrainingPiece> pieces{counting_piece(1, Quadrant::Q1)};
  WindowBatcher b(pieces, 8, kPad, 100, nullptr);
  std::mt19937_64 rng(1);
  EXPECT_THROW(b.sample(1, rng), Error);
}

TEST(UniformBelow, IsUnbiasedOnASmallRange) {
  std::mt19937_64 rng(11);
  std::vector<int> counts(3);
  for (int i = 0; i < 30000; ++i) ++counts[uniform_below(rng, 3)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
}

}  // namespace
}  // namespace emopiano::train
