// The onset envelope of a performance: how strongly something starts at each
// moment, sampled at kFrameRate. Beat tracking works on it instead of on the
// notes, as audio beat trackers work on spectral flux.
#pragma once

#include <cstdint>
#include <vector>

#include "emopiano/score.hpp"

namespace emopiano::beat {

constexpr double kFrameRate = 100.0;  // frames per second: 10 ms

// Everything that starts in one frame, summed and compressed.
struct Impulse {
  int64_t frame = 0;
  float weight = 0.0f;
};

struct OnsetEnvelope {
  // Frames with an onset, in time order (the sparse form: tempo estimation
  // correlates these directly, so its cost follows the note count).
  std::vector<Impulse> impulses;
  // The same, spread by a short Gaussian so that onsets played a little
  // early or late still meet the beat, one value per frame from 0 s.
  std::vector<float> strength;
  int64_t first_onset_frame = 0;
  int64_t last_onset_frame = 0;
  int64_t frames() const { return static_cast<int64_t>(strength.size()); }
};

// Seconds to frames and back.
inline int64_t to_frame(double seconds) { return static_cast<int64_t>(seconds * kFrameRate + 0.5); }
inline double to_seconds(double frame) { return frame / kFrameRate; }

// From note onsets weighted by velocity (bass notes count more: they mark
// beats more often than melody does) and sustain pedal presses. Uses the
// seconds fields of `score`, which must be up to date. Empty when the score
// has no notes.
OnsetEnvelope onset_envelope(const Score& score);

}  // namespace emopiano::beat
