// retime: a performance written onto its tracked beats (see beats.hpp).
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/core.h>

#include "emopiano/beats.hpp"
#include "emopiano/error.hpp"

namespace emopiano {

namespace {

int positive_mod(int64_t a, int m) { return static_cast<int>(((a % m) + m) % m); }

// Beats before time 0 cannot be written (tick 0 is 0 s), so the music before
// the first beat that is worth keeping becomes a lead-in of `beats` whole
// beats, as many as put the first downbeat on a bar line.
struct LeadIn {
  size_t first = 0;  // index of the first extended beat after the lead-in
  int beats = 0;     // beats in [0 s, that beat); 0 when that beat is moved to 0 s
};

// The lead-in ends at an extrapolated beat or at the first tracked one (never
// later: tracked beats are kept), whichever gives lead-in beats closest to
// the first tracked period.
LeadIn choose_lead_in(const std::vector<double>& beats, int64_t first_tracked, int64_t first_downbeat, int metre) {
  const double period = beats[1] - beats[0];
  LeadIn best;
  double best_cost = std::numeric_limits<double>::infinity();
  for (size_t j = 0; j <= static_cast<size_t>(first_tracked) && j + 1 < beats.size(); ++j) {
    const int needed = positive_mod(static_cast<int64_t>(j) - first_downbeat, metre);
    for (int q : {needed, needed + metre}) {
      double cost;
      if (q == 0) {
        // The beat moves to 0 s: its interval stretches by its start time.
        if (beats[j] > 0.5 * period) continue;
        const double interval = beats[j + 1] - beats[j];
        cost = std::log((interval + beats[j]) / interval);
      } else {
        if (beats[j] <= 0) continue;
        cost = std::abs(std::log(beats[j] / q / period));
      }
      if (cost < best_cost) best_cost = cost, best = {j, q};
    }
  }
  return best;
}

}  // namespace

Score retime(const Score& input, const BeatMap& map) {
  if (input.ticks_per_beat <= 0)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("retime: ticks_per_beat must be positive, got {}", input.ticks_per_beat));
  Score score = input;
  score.update_seconds();
  if (map.beats.size() < 2) return score;
  const int metre = map.metre;
  if (metre < 1 || metre > 64) throw Error(ErrorCode::invalid_argument, fmt::format("retime: metre {}", metre));
  for (size_t i = 1; i < map.beats.size(); ++i)
    if (!(map.beats[i] > map.beats[i - 1]) || !std::isfinite(map.beats[i]))
      throw Error(ErrorCode::invalid_argument, "retime: beat times must be finite and increasing");

  // The tracked beats, extended back towards 0 s and on past the last event
  // by the first and last intervals.
  std::vector<double> extended;
  const double first_period = map.beats[1] - map.beats[0];
  const double last_period = map.beats.back() - map.beats[map.beats.size() - 2];
  int64_t prepended = 0;
  for (double t = map.beats.front() - first_period; t >= 0; t -= first_period) ++prepended;
  for (int64_t k = prepended; k > 0; --k) extended.push_back(map.beats.front() - k * first_period);
  extended.insert(extended.end(), map.beats.begin(), map.beats.end());
  double end = 0;
  for (const auto& n : score.notes) end = std::max(end, n.end_seconds);
  for (const auto& p : score.pedal) end = std::max(end, p.seconds);
  while (extended.back() <= end) extended.push_back(extended.back() + last_period);

  const LeadIn lead = choose_lead_in(extended, prepended, prepended + map.pickup_beats, metre);
  std::vector<double> beats(extended.begin() + static_cast<std::ptrdiff_t>(lead.first), extended.end());
  if (lead.beats == 0) beats.front() = 0.0;
  const int64_t tpb = score.ticks_per_beat;

  // Seconds -> ticks: linear inside each beat.
  auto tick_of = [&](double t) -> int64_t {
    double beat;
    if (t < beats.front()) {
      beat = t / beats.front() * lead.beats;
    } else {
      size_t k = static_cast<size_t>(std::upper_bound(beats.begin(), beats.end(), t) - beats.begin()) - 1;
      k = std::min(k, beats.size() - 2);
      beat = lead.beats + static_cast<double>(k) + (t - beats[k]) / (beats[k + 1] - beats[k]);
    }
    return static_cast<int64_t>(std::llround(beat * static_cast<double>(tpb)));
  };

  Score out;
  out.ticks_per_beat = score.ticks_per_beat;
  out.warnings = score.warnings;
  if (lead.beats > 0) out.tempos.push_back({0, 0.0, 60.0 * lead.beats / beats.front()});
  for (size_t k = 0; k + 1 < beats.size(); ++k)
    out.tempos.push_back({(lead.beats + static_cast<int64_t>(k)) * tpb, 0.0, 60.0 / (beats[k + 1] - beats[k])});
  out.time_signatures.push_back({0, metre, 4});
  out.notes.reserve(score.notes.size());
  for (Note n : score.notes) {
    const int64_t start = tick_of(n.start_seconds);
    n.end_tick = std::max(start, tick_of(n.end_seconds));
    n.start_tick = start;
    out.notes.push_back(n);
  }
  for (PedalEvent p : score.pedal) {
    p.tick = tick_of(p.seconds);
    out.pedal.push_back(p);
  }
  // Keys move with the music: the opening key stays at tick 0.
  for (KeySignature k : score.keys) {
    k.tick = k.tick <= 0 ? 0 : tick_of(score.tick_to_seconds(k.tick));
    out.keys.push_back(k);
  }
  out.normalize();
  out.update_seconds();
  return out;
}

}  // namespace emopiano
