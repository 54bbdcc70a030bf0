// Training and validation batches cut from tokenized pieces, without LibTorch:
// each row is a window of context_length input tokens and the next token of
// each as the target. Rows shorter than the window are padded with PAD, and
// PAD targets are excluded from the loss.
//
// Two options shape what the emotion input teaches: emotion dropout (a row
// gets the null condition: the all-zero emotion and no key input) and joined windows (the end of one piece,
// cut at a bar line, followed by the start of a piece of another quadrant,
// with the emotion input switching at the join).
#pragma once

#include <array>
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
  bool labelled = true;  // false: always the null emotion
  // Indices of the Bar tokens at which the pedal is up: where the piece can
  // be cut for a joined window without leaving a pedal hanging.
  std::vector<int32_t> cut_points;
  // For each cut point: the index after its Bar and the TimeSig stated with
  // it, if any; and the Key and TimeSig tokens in force before it (-1: none),
  // to restate when a joined window's second piece comes in there.
  std::vector<int32_t> cut_body, cut_key_token, cut_metre_token;
  int32_t first_bar = -1;       // index of the first Bar token (-1: none)
  int32_t first_bar_body = -1;  // index after that Bar and its TimeSig, if any
  int32_t opening_key = -1;     // the Key token after BOS, or -1
  // key_code() of the key in force after each token (0 before the first
  // Key token, or without Key tokens): the model's per-position key input.
  std::vector<int8_t> keys;
};

TrainingPiece make_training_piece(const Tokenizer& tokenizer, const std::vector<int32_t>& tokens, Quadrant label,
                                  bool labelled = true);

// Row-major [rows, length] arrays (emotion: [rows, length, 4]).
struct Batch {
  int64_t rows = 0, length = 0;
  std::vector<int64_t> tokens, bars, positions, targets, keys;
  std::vector<float> emotion;
  int64_t target_count = 0;  // targets that are not PAD
};

// Where one row comes from (for tests and logs).
struct WindowSpec {
  size_t piece = 0;
  int64_t start = 0;
  int shift = 0;
  bool null_emotion = false;  // emotion dropout (or an unlabelled piece)
  bool null_key = false;      // emotion dropout: no key input either
  // Joined windows: piece's tokens [start, cut) then `second` from its first
  // Bar, with second's opening key restated after that Bar, or (second_start
  // >= 0) from the Bar at that index inside it, with its key and metre there
  // restated.
  bool joined = false;
  size_t second = 0;
  int64_t cut = 0;
  int64_t second_start = -1;
};

struct WindowOptions {
  double emotion_dropout = 0.0;
  double join_probability = 0.0;
  double join_inside = 0.0;  // TrainerConfig::join_inside
};

class WindowBatcher {
 public:
  // `pieces` must outlive the batcher. max_bar clamps bar indices to the
  // model's bar embedding. `transposer` may be null (no augmentation).
  WindowBatcher(const std::vector<TrainingPiece>& pieces, int64_t context_length, int32_t pad_id, int32_t max_bar,
                const PitchTransposer* transposer, WindowOptions options = {});

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
  // Chooses a joined window for a row whose first piece is `w.piece`; false
  // when no piece of another quadrant or no cut point fits.
  bool choose_join(WindowSpec& w, std::mt19937_64& rng) const;
  // The tokens, bars, positions, emotion index (-1 null) and key code of a
  // row's context_ + 1 tokens (fewer at the end of a piece).
  struct RowTokens {
    std::vector<int32_t> tokens, bars, positions;
    std::vector<int8_t> quadrant, keys;
  };
  RowTokens row_tokens(const WindowSpec& w) const;

  const std::vector<TrainingPiece>& pieces_;
  int64_t context_;
  int32_t pad_;
  int32_t max_bar_;
  const PitchTransposer* transposer_;
  WindowOptions options_;
  std::vector<int64_t> cumulative_;                          // running sum of targets per piece
  std::array<std::vector<size_t>, kNumQuadrants> joinable_;  // labelled pieces with a Bar, by quadrant
};

// Uniform integer in [0, n) by rejection from the raw 64-bit output.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n);

}  // namespace emopiano::train
