#include "tokenizer/bar_grid.hpp"

#include <algorithm>

namespace emopiano::tokenizer {

// Arithmetic is exact in "scaled ticks" (tick * positions_per_beat), where one
// grid step is ticks_per_beat units, so no tick resolution loses precision.
BarGrid::BarGrid(const Score& score, const RemiVocabulary& vocab, int64_t last_tick)
    : ticks_per_beat_(std::max(1, score.ticks_per_beat)), positions_per_beat_(vocab.config().positions_per_beat) {
  std::vector<TimeSignature> sigs;
  if (vocab.config().use_time_signature) {
    sigs = score.time_signatures;
    std::stable_sort(sigs.begin(), sigs.end(),
                     [](const TimeSignature& a, const TimeSignature& b) { return a.tick < b.tick; });
  }
  auto metre_of = [&](const TimeSignature& ts) {
    int m = vocab.metre_index(ts.numerator, ts.denominator);
    return m >= 0 ? m : vocab.common_time();  // unrepresentable metres are counted in 4/4
  };

  const int64_t last_scaled = std::max<int64_t>(0, last_tick) * positions_per_beat_;
  int metre = vocab.common_time();
  size_t next_sig = 0;
  int64_t step = 0;
  do {
    // A metre takes effect at the first bar line at or after its tick.
    while (next_sig < sigs.size() && sigs[next_sig].tick * positions_per_beat_ <= step * ticks_per_beat_)
      metre = metre_of(sigs[next_sig++]);
    int positions = vocab.metres()[static_cast<size_t>(metre)].positions;
    bars_.push_back({step, positions, metre});
    step += positions;
  } while (step * ticks_per_beat_ <= last_scaled);
}

GridCell BarGrid::locate(int64_t tick) const {
  const int64_t scaled = std::max<int64_t>(0, tick) * positions_per_beat_;
  auto it = std::upper_bound(bars_.begin(), bars_.end(), scaled,
                             [&](int64_t s, const Bar& b) { return s < b.start_step * ticks_per_beat_; });
  size_t b = static_cast<size_t>(std::max<std::ptrdiff_t>(0, (it - bars_.begin()) - 1));
  const Bar& bar = bars_[b];
  int64_t offset = scaled - bar.start_step * ticks_per_beat_;            // >= 0
  int64_t pos = (2 * offset + ticks_per_beat_) / (2 * ticks_per_beat_);  // round half up
  GridCell cell{static_cast<int32_t>(b), static_cast<int32_t>(pos), false};
  if (pos >= bar.positions) {
    cell.position = bar.positions - 1;
    cell.clamped = true;
  }
  return cell;
}

}  // namespace emopiano::tokenizer
