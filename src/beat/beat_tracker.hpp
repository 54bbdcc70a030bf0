// Ellis' dynamic-programming beat tracker (2007) with a local period: the
// best chain of beats that lands on strong onsets while each interval keeps
// close to the tempo in force at that moment. Each frame looks back over
// half to twice the local period only, so the cost is linear in the length.
#pragma once

#include <cstdint>
#include <vector>

#include "beat/onset_envelope.hpp"
#include "beat/tempo_estimate.hpp"

namespace emopiano::beat {

struct BeatTrack {
  std::vector<double> seconds;  // beat times, increasing
  int64_t work = 0;
};

BeatTrack track_beat_times(const OnsetEnvelope& envelope, const TempoCurve& tempo, double tightness);

}  // namespace emopiano::beat
