#include "train/window_batcher.hpp"

#include <algorithm>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::train {

uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  if (n <= 1) return 0;
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // largest multiple of n
  uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % n;
}

TrainingPiece make_training_piece(const Tokenizer& tokenizer, const std::vector<int32_t>& tokens,
                                  Quadrant label) {
  TrainingPiece p;
  p.tokens = tokens;
  p.bars.resize(tokens.size());
  p.positions.resize(tokens.size());
  tokenizer.musical_positions(tokens.data(), tokens.size(), p.bars.data(), p.positions.data());
  p.label = label;
  return p;
}

WindowBatcher::WindowBatcher(const std::vector<TrainingPiece>& pieces, int64_t context_length,
                             int32_t pad_id, int32_t max_bar, const PitchTransposer* transposer)
    : pieces_(pieces), context_(context_length), pad_(pad_id), max_bar_(max_bar),
      transposer_(transposer) {
  if (context_length < 1) throw Error(ErrorCode::invalid_argument, "context length must be >= 1");
  int64_t sum = 0;
  cumulative_.reserve(pieces.size());
  for (const auto& p : pieces) {
    sum += std::max<int64_t>(0, static_cast<int64_t>(p.tokens.size()) - 1);
    cumulative_.push_back(sum);
  }
}

Batch WindowBatcher::sample(int64_t rows, std::mt19937_64& rng, std::vector<WindowSpec>* specs) const {
  if (total_targets() == 0)
    throw Error(ErrorCode::invalid_argument, "no piece has two tokens or more to train on");
  std::vector<WindowSpec> chosen(static_cast<size_t>(rows));
  for (auto& w : chosen) {
    const uint64_t r = uniform_below(rng, static_cast<uint64_t>(total_targets()));
    w.piece = static_cast<size_t>(
        std::upper_bound(cumulative_.begin(), cumulative_.end(), static_cast<int64_t>(r)) -
        cumulative_.begin());
    const auto& p = pieces_[w.piece];
    const int64_t n = static_cast<int64_t>(p.tokens.size());
    const int64_t starts = std::max<int64_t>(1, n - context_);  // windows of context_+1 tokens
    w.start = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(starts)));
    w.shift = 0;
    if (transposer_) {
      const int64_t end = std::min(n, w.start + context_ + 1);
      int lo = 128, hi = -1;
      for (int64_t i = w.start; i < end; ++i) {
        int pitch = transposer_->pitch_of(p.tokens[static_cast<size_t>(i)]);
        if (pitch >= 0) {
          lo = std::min(lo, pitch);
          hi = std::max(hi, pitch);
        }
      }
      auto [a, b] = transposer_->allowed_shifts(lo, hi);
      w.shift = a + static_cast<int>(uniform_below(rng, static_cast<uint64_t>(b - a + 1)));
    }
  }
  if (specs) *specs = chosen;
  return make_batch(chosen);
}

std::vector<WindowSpec> WindowBatcher::evaluation_windows() const {
  std::vector<WindowSpec> out;
  for (size_t i = 0; i < pieces_.size(); ++i) {
    const int64_t targets = static_cast<int64_t>(pieces_[i].tokens.size()) - 1;
    for (int64_t s = 0; s < targets; s += context_) out.push_back({i, s, 0});
  }
  return out;
}

Batch WindowBatcher::make_batch(const std::vector<WindowSpec>& specs) const {
  Batch b;
  b.rows = static_cast<int64_t>(specs.size());
  b.length = context_;
  const size_t cells = static_cast<size_t>(b.rows * b.length);
  b.tokens.assign(cells, pad_);
  b.targets.assign(cells, pad_);
  b.bars.assign(cells, 0);
  b.positions.assign(cells, 0);
  b.emotion.assign(cells * kNumQuadrants, 0.0f);
  for (int64_t r = 0; r < b.rows; ++r) fill_row(b, r, specs[static_cast<size_t>(r)]);
  return b;
}

void WindowBatcher::fill_row(Batch& b, int64_t row, const WindowSpec& w) const {
  const auto& p = pieces_.at(w.piece);
  const int64_t n = static_cast<int64_t>(p.tokens.size());
  const int64_t base = row * context_;
  const int64_t inputs = std::min(context_, n - 1 - w.start);  // rows end where targets do
  auto shifted = [&](int64_t i) {
    int32_t id = p.tokens[static_cast<size_t>(i)];
    return transposer_ ? transposer_->transpose(id, w.shift) : id;
  };
  for (int64_t t = 0; t < inputs; ++t) {
    const int64_t i = w.start + t;
    const size_t c = static_cast<size_t>(base + t);
    b.tokens[c] = shifted(i);
    b.targets[c] = shifted(i + 1);
    b.bars[c] = std::min(p.bars[static_cast<size_t>(i)], max_bar_);
    b.positions[c] = p.positions[static_cast<size_t>(i)];
    if (b.targets[c] != pad_) ++b.target_count;
  }
  // Every position, padding included, carries the piece's emotion: the window
  // may start after the BOS/emotion tokens, so this is where it is known from.
  const int q = static_cast<int>(p.label);
  for (int64_t t = 0; t < context_; ++t) b.emotion[static_cast<size_t>((base + t) * kNumQuadrants + q)] = 1.0f;
}

}  // namespace emopiano::train
