#include "beat/onset_envelope.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace emopiano::beat {

namespace {

// Spread of an onset in frames: about the timing noise of a played note.
constexpr double kSmoothingFrames = 2.0;
constexpr int kSmoothingRadius = 6;
// Notes below this key get up to twice the weight (full at two octaves below).
constexpr int kBassCeiling = 60;
constexpr double kPedalWeight = 0.3;

}  // namespace

OnsetEnvelope onset_envelope(const Score& score) {
  OnsetEnvelope env;
  if (score.notes.empty()) return env;

  std::map<int64_t, double> sums;  // frame -> summed weight
  for (const auto& n : score.notes) {
    const double bass = std::clamp((kBassCeiling - n.pitch) / 24.0, 0.0, 1.0);
    const double weight = std::clamp(n.velocity, 1, 127) / 127.0 * (1.0 + bass);
    sums[to_frame(std::max(0.0, n.start_seconds))] += weight;
  }
  env.first_onset_frame = sums.begin()->first;
  env.last_onset_frame = sums.rbegin()->first;
  for (const auto& p : score.pedal)
    if (p.down) {
      const int64_t f = to_frame(std::max(0.0, p.seconds));
      if (f >= env.first_onset_frame && f <= env.last_onset_frame) sums[f] += kPedalWeight;
    }

  env.impulses.reserve(sums.size());
  // log(1 + x): a ten-note chord is a stronger onset than one note, but not ten times.
  for (const auto& [frame, sum] : sums) env.impulses.push_back({frame, static_cast<float>(std::log1p(2.0 * sum))});

  env.strength.assign(static_cast<size_t>(env.last_onset_frame + 2 * kSmoothingRadius + 1), 0.0f);
  float kernel[2 * kSmoothingRadius + 1];
  for (int k = -kSmoothingRadius; k <= kSmoothingRadius; ++k)
    kernel[k + kSmoothingRadius] = static_cast<float>(std::exp(-0.5 * (k / kSmoothingFrames) * (k / kSmoothingFrames)));
  for (const auto& imp : env.impulses)
    for (int k = -kSmoothingRadius; k <= kSmoothingRadius; ++k) {
      const int64_t f = imp.frame + k;
      if (f >= 0) env.strength[static_cast<size_t>(f)] += imp.weight * kernel[k + kSmoothingRadius];
    }
  return env;
}

}  // namespace emopiano::beat
