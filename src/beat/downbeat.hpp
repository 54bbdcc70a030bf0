// Downbeats and metre from tracked beats. Each beat gets a downbeat score
// from what tends to happen where a bar starts: a bass note, a new harmony,
// long notes, an accent, a pedal change. A Viterbi path through the
// positions in the bar (moving on by one each beat, or, at a cost, jumping
// where a beat was missed or added) puts the bar lines, for metre 3 and 4;
// the metre whose bar lines fall on the clearest downbeats wins.
#pragma once

#include <cstdint>
#include <vector>

#include "emopiano/score.hpp"

namespace emopiano::beat {

struct Bars {
  int metre = 4;
  std::vector<int> downbeats;  // indices of beats
  int64_t work = 0;
};

// `beats` in seconds; `score`'s seconds fields must be up to date.
// `metre` 0 detects 3 or 4, anything else is used as given.
Bars find_downbeats(const Score& score, const std::vector<double>& beats, int metre);

}  // namespace emopiano::beat
