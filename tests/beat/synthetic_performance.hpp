// Synthetic piano performances with known beats: a bass note and a chord on
// each downbeat, chords on the other beats, a melody in eighths (straight or
// swung), the harmony changing each bar, small timing jitter; all written at
// the nominal 120 BPM as a transcription would be.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "emopiano/score.hpp"

namespace emopiano::test {

struct Performance {
  Score score;
  std::vector<double> beats;      // true beat times (seconds)
  std::vector<double> downbeats;  // true downbeat times
};

inline std::vector<double> steady_beats(double bpm, int count, double start = 0.5) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i) out.push_back(start + i * 60.0 / bpm);
  return out;
}

// Tempo moving linearly (per beat) from `from` to `to` BPM.
inline std::vector<double> ramp_beats(double from, double to, int count, double start = 0.5) {
  std::vector<double> out{start};
  for (int i = 1; i < count; ++i) {
    const double bpm = from + (to - from) * (i - 1) / std::max(1, count - 2);
    out.push_back(out.back() + 60.0 / bpm);
  }
  return out;
}

inline Note timed_note(int pitch, int velocity, double start, double end) {
  Note n;
  n.pitch = pitch;
  n.velocity = velocity;
  n.start_tick = std::llround(start * 960.0);  // 480 ticks per beat at 120 BPM
  n.end_tick = std::max(n.start_tick + 1, static_cast<int64_t>(std::llround(end * 960.0)));
  return n;
}

// `pickup` beats of melody alone come before the first downbeat. The melody
// plays `melody_per_beat` notes a beat (2: eighths, swung if `swing`; 4:
// sixteenths).
inline Performance perform(const std::vector<double>& beats, int metre, int pickup = 0, bool swing = false,
                           unsigned seed = 1, double jitter = 0.01, int melody_per_beat = 2) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, jitter);
  std::uniform_int_distribution<int> melody(64, 79);
  const int roots[] = {0, 5, 7, 9};
  Performance p;
  p.beats = beats;
  p.score.ticks_per_beat = 480;
  p.score.tempos = {{0, 0.0, 120.0}};
  p.score.time_signatures = {{0, 4, 4}};
  for (size_t i = 0; i + 1 < beats.size(); ++i) {
    const double t = beats[i], period = beats[i + 1] - beats[i];
    const int position = ((static_cast<int>(i) - pickup) % metre + metre) % metre;
    const bool in_pickup = static_cast<int>(i) < pickup;
    const int bar = (static_cast<int>(i) - pickup) / metre;
    const int root = roots[((bar % 4) + 4) % 4];
    auto at = [&](double x) { return std::max(0.0, x + noise(rng)); };
    if (!in_pickup && position == 0) {
      p.downbeats.push_back(t);
      p.score.notes.push_back(timed_note(36 + root, 90, at(t), t + metre * period * 0.95));
      for (int k : {48, 52, 55}) p.score.notes.push_back(timed_note(k + root, 75, at(t), t + period * 1.9));
    } else if (!in_pickup) {
      for (int k : {52, 55}) p.score.notes.push_back(timed_note(k + root, 50, at(t), t + period * 0.5));
    }
    if (melody_per_beat == 2) {
      const double off = swing ? 2.0 / 3.0 : 0.5;
      p.score.notes.push_back(timed_note(melody(rng), 70, at(t), t + off * period));
      p.score.notes.push_back(timed_note(melody(rng), 55, at(t + off * period), t + period * 0.95));
    } else {
      for (int k = 0; k < melody_per_beat; ++k) {
        const double from = t + k * period / melody_per_beat;
        p.score.notes.push_back(
            timed_note(melody(rng), k == 0 ? 70 : 55, at(from), from + 0.9 * period / melody_per_beat));
      }
    }
  }
  p.score.normalize();
  p.score.update_seconds();
  return p;
}

}  // namespace emopiano::test
