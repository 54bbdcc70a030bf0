// Local tempo of a performance, allowed to drift: autocorrelation of the
// onset envelope in overlapping windows (a tempogram), weighted by a
// log-normal prior over tempo, and a Viterbi path through it that may move
// only a little from one window to the next (so a performance that slows down
// is followed, and a passage of off-beat notes does not flip the tempo).
#pragma once

#include <cstdint>
#include <vector>

#include "beat/onset_envelope.hpp"
#include "emopiano/beats.hpp"

namespace emopiano::beat {

struct TempoCurve {
  // Beat period in frames at each frame of the envelope.
  std::vector<double> period;
  int64_t work = 0;  // inner-loop steps taken
};

TempoCurve estimate_tempo(const OnsetEnvelope& envelope, const BeatTrackingOptions& options);

}  // namespace emopiano::beat
