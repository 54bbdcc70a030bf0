// Where each tick of a score falls on the token grid: its bar and its grid
// position inside that bar. Bars follow the score's time signatures when the
// vocabulary has TimeSig tokens and are all 4/4 otherwise (the decoder has no
// other way to know a bar's length, and a uniform bar keeps onsets exact).
//
// The bar is never rounded: a tick belongs to the bar whose line is at or
// before it. Inside the bar the position is rounded to the nearest grid step,
// except that the last half step of a bar stays on the bar's last position
// rather than moving into the next bar.
#pragma once

#include <cstdint>
#include <vector>

#include "emopiano/score.hpp"
#include "tokenizer/remi_vocabulary.hpp"

namespace emopiano::tokenizer {

struct GridCell {
  int32_t bar = 0;       // 0-based
  int32_t position = 0;  // grid position inside the bar
  bool clamped = false;  // would have rounded to the next bar line
};

class BarGrid {
 public:
  // Lays bars out from tick 0 through `last_tick`.
  BarGrid(const Score& score, const RemiVocabulary& vocab, int64_t last_tick);

  GridCell locate(int64_t tick) const;
  int32_t bar_count() const { return static_cast<int32_t>(bars_.size()); }
  // Index in vocab.metres() of a bar's metre.
  int metre(int32_t bar) const { return bars_[static_cast<size_t>(bar)].metre; }

 private:
  struct Bar {
    int64_t start_step;  // first grid step of the bar
    int positions;
    int metre;
  };
  int64_t ticks_per_beat_;
  int positions_per_beat_;
  std::vector<Bar> bars_;
};

}  // namespace emopiano::tokenizer
