// Training and validation batches cut from tokenized pieces, without LibTorch:
// each row is a window of context_length input tokens and the next token of
// each as the target. Rows shorter than the window are padded with PAD, and
// PAD targets are excluded from the loss.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "emopiano/dataset.hpp"
#include "emopiano/emotion.hpp"
#include "emopiano/tokenizer.hpp"
#include "train/pitch_transposer.hpp"

namespace emopiano::train {

// One piece with the per-token inputs the model takes beside the ids,
// computed once (Tokenizer::musical_positions).
struct TrainingPiece {
  std::vector<int32_t> tokens;
  std::vector<int32_t> bars;
  std::vector<int32_t> positions;
  Quadrant label = Quadrant::Q1;
};

TrainingPiece make_training_piece(const Tokenizer& tokenizer, const std::vector<int32_t>& tokens,
                                  Quadrant label);

// Row-major [rows, length] arrays (emotion: [rows, length, 4]).
struct Batch {
  int64_t rows = 0, length = 0;
  std::vector<int64_t> tokens, bars, positions, targets;
  std::vector<float> emotion;
  int64_t target_count = 0;  // targets that are not PAD
};

// Where one row comes from (for tests and logs).
struct WindowSpec {
  size_t piece = 0;
  int64_t start = 0;
  int shift = 0;
};

class WindowBatcher {
 public:
  // `pieces` must outlive the batcher. max_bar clamps bar indices to the
  // model's bar embedding. `transposer` may be null (no augmentation).
  WindowBatcher(const std::vector<TrainingPiece>& pieces, int64_t context_length, int32_t pad_id,
                int32_t max_bar, const PitchTransposer* transposer);

  // Random windows: a piece drawn with probability proportional to the
  // tokens it has to predict, a start drawn uniformly among the full windows
  // (0 when the piece is shorter than one), and a transposition drawn
  // uniformly among the shifts that keep every pitch of the window in range.
  // Only `rng` is used, with our own integer mapping, so batches are the same
  // on every standard library.
  Batch sample(int64_t rows, std::mt19937_64& rng, std::vector<WindowSpec>* specs = nullptr) const;

  // Consecutive non-overlapping windows covering every target of every piece
  // exactly once, untransposed: the validation set.
  std::vector<WindowSpec> evaluation_windows() const;
  Batch make_batch(const std::vector<WindowSpec>& specs) const;

  int64_t total_targets() const { return cumulative_.empty() ? 0 : cumulative_.back(); }

 private:
  void fill_row(Batch& b, int64_t row, const WindowSpec& w) const;

  const std::vector<TrainingPiece>& pieces_;
  int64_t context_;
  int32_t pad_;
  int32_t max_bar_;
  const PitchTransposer* transposer_;
  std::vector<int64_t> cumulative_;  // running sum of targets per piece
};

// Uniform integer in [0, n) by rejection from the raw 64-bit output.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n);

}  // namespace emopiano::train
