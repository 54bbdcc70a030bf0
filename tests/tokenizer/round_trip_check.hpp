// Measures decode(encode(score)) against the score, computing the expected
// grid independently of the tokenizer (4/4 bars, positions rounded to the
// nearest step and kept inside their bar, notes merged per cell and pitch).
// Only for configs without TimeSig tokens, where every bar is 4/4.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <tuple>

#include "emopiano/score.hpp"
#include "emopiano/tokenizer.hpp"

namespace emopiano::test {

struct RoundTripReport {
  int64_t tokens = 0;
  int64_t notes_in = 0;        // notes in range in the original
  int64_t notes_expected = 0;  // after merging same pitch on one grid cell
  int64_t notes_decoded = 0;
  int64_t onsets_clamped = 0;  // last half step of a bar
  int64_t durations_clipped = 0;
  double onset_error_sum = 0;    // grid steps, over every in-range original note
  double onset_error_max = 0;    // over notes not clamped
  double clamped_error_max = 0;  // over clamped notes
  int64_t velocity_bin_error_sum = 0, velocity_bin_error_max = 0;
  int64_t duration_bin_error_sum = 0, duration_bin_error_max = 0;
  int64_t invalid_tokens = 0;
  std::string problems;  // empty when every requirement holds

  void add(const RoundTripReport& o) {
    tokens += o.tokens;
    notes_in += o.notes_in;
    notes_expected += o.notes_expected;
    notes_decoded += o.notes_decoded;
    onsets_clamped += o.onsets_clamped;
    durations_clipped += o.durations_clipped;
    onset_error_sum += o.onset_error_sum;
    onset_error_max = std::max(onset_error_max, o.onset_error_max);
    clamped_error_max = std::max(clamped_error_max, o.clamped_error_max);
    velocity_bin_error_sum += o.velocity_bin_error_sum;
    velocity_bin_error_max = std::max(velocity_bin_error_max, o.velocity_bin_error_max);
    duration_bin_error_sum += o.duration_bin_error_sum;
    duration_bin_error_max = std::max(duration_bin_error_max, o.duration_bin_error_max);
    invalid_tokens += o.invalid_tokens;
  }
};

inline RoundTripReport check_round_trip(const Tokenizer& tok, const Score& original,
                                        std::optional<Quadrant> emotion = std::nullopt) {
  const TokenizerConfig& c = tok.config();
  RoundTripReport r;
  std::ostringstream problems;
  const auto ids = tok.encode(original, emotion);
  const Score decoded = tok.decode(ids);
  r.tokens = static_cast<int64_t>(ids.size());
  r.invalid_tokens = decoded.warnings.invalid_tokens;
  if (r.invalid_tokens) problems << "invalid tokens " << r.invalid_tokens << "; ";

  const double tpb = original.ticks_per_beat;
  const int ppb = c.positions_per_beat;
  const int64_t positions = 4 * ppb;
  const int64_t bar_ticks = 4 * int64_t{original.ticks_per_beat};
  auto velocity_bin = [&](int v) { return (std::clamp(v, 1, 127) - 1) * c.velocity_bins / 127; };

  using Key = std::tuple<int64_t, int64_t, int>;  // bar, position, pitch
  struct Expected {
    int velocity = 0;
    double steps = 0;  // longest original duration in steps
  };
  std::map<Key, Expected> expected;
  std::map<const Note*, Key> key_of;
  for (const Note& n : original.notes) {
    if (n.pitch < c.pitch_min || n.pitch > c.pitch_max) continue;
    ++r.notes_in;
    int64_t bar = n.start_tick / bar_ticks;
    double offset = static_cast<double>(n.start_tick - bar * bar_ticks) * ppb / tpb;
    auto pos = static_cast<int64_t>(std::floor(offset + 0.5));
    if (pos >= positions) pos = positions - 1;
    Key k{bar, pos, n.pitch};
    key_of[&n] = k;
    auto& e = expected[k];
    e.velocity = std::max(e.velocity, n.velocity);
    e.steps = std::max(e.steps, static_cast<double>(n.end_tick - n.start_tick) * ppb / tpb);
  }
  r.notes_expected = static_cast<int64_t>(expected.size());
  r.notes_decoded = static_cast<int64_t>(decoded.notes.size());
  if (r.notes_decoded != r.notes_expected)
    problems << "decoded " << r.notes_decoded << " notes, expected " << r.notes_expected << "; ";

  const int64_t step_ticks = decoded.ticks_per_beat / ppb;
  std::map<Key, const Note*> found;
  for (const Note& n : decoded.notes) {
    int64_t step = n.start_tick / step_ticks;
    found[Key{step / positions, step % positions, n.pitch}] = &n;
  }
  for (const auto& [k, e] : expected) {
    auto it = found.find(k);
    if (it == found.end()) {
      problems << "missing note pitch " << std::get<2>(k) << " bar " << std::get<0>(k) << " position " << std::get<1>(k)
               << "; ";
      continue;
    }
    const Note& d = *it->second;
    int64_t vel_err = std::abs(velocity_bin(e.velocity) - velocity_bin(d.velocity));
    r.velocity_bin_error_sum += vel_err;
    r.velocity_bin_error_max = std::max(r.velocity_bin_error_max, vel_err);
    auto want_steps = static_cast<int64_t>(std::floor(e.steps + 0.5));
    want_steps = std::max<int64_t>(1, want_steps);
    if (want_steps > c.max_duration_steps) {
      ++r.durations_clipped;
      want_steps = c.max_duration_steps;
    }
    int64_t dur_err = std::abs(want_steps - (d.end_tick - d.start_tick) / step_ticks);
    r.duration_bin_error_sum += dur_err;
    r.duration_bin_error_max = std::max(r.duration_bin_error_max, dur_err);
    if (vel_err > 1 || dur_err > 1)
      problems << "pitch " << d.pitch << " at tick " << d.start_tick << ": velocity bin error " << vel_err
               << ", duration bin error " << dur_err << "; ";
  }
  for (const auto& [note, k] : key_of) {
    auto it = found.find(k);
    if (it == found.end()) continue;
    double orig = static_cast<double>(note->start_tick) * ppb / tpb;
    double dec = static_cast<double>(it->second->start_tick) / static_cast<double>(step_ticks);
    double err = std::abs(orig - dec);
    r.onset_error_sum += err;
    bool clamped = (static_cast<double>(note->start_tick - std::get<0>(k) * bar_ticks) * ppb / tpb) + 0.5 >=
                   static_cast<double>(positions);
    if (clamped) {
      ++r.onsets_clamped;
      r.clamped_error_max = std::max(r.clamped_error_max, err);
      if (err >= 1.0) problems << "clamped onset off by " << err << " steps; ";
    } else {
      r.onset_error_max = std::max(r.onset_error_max, err);
      if (err > 0.5 + 1e-9)
        problems << "onset of pitch " << note->pitch << " at tick " << note->start_tick << " off by " << err
                 << " steps; ";
    }
  }
  r.problems = problems.str();
  return r;
}

}  // namespace emopiano::test
