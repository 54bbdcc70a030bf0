#include "beat/beat_level.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace emopiano::beat {

namespace {

constexpr double kGroupSeconds = 0.035;  // notes this close start one onset group
// Periods of the candidate pulses, as multiples of the tempo curve's.
constexpr double kPeriodFactors[] = {1.0, 2.0, 0.5, 1.5, 2.0 / 3.0};
constexpr size_t kMinBeats = 4;
// Another pulse than the tempogram's is taken only within the range of
// annotated beats (POP909 songs 001-300: 52 to 180 BPM): strongly accented
// bars must not turn a moderate beat into a 45 BPM one.
constexpr double kSlowestOtherBpm = 50.0;
constexpr double kFastestOtherBpm = 200.0;

// Weights of a candidate's score, fitted (a conditional logit, the target the
// candidate with the best beat F-measure) on POP909 songs 001-300 only; the
// other 609 songs are held out (docs/beats.md). A quadratic in log tempo, a
// preference for the tempogram's own pulse, where onsets fall in the beat
// (against on the beat or elsewhere: a beat's halves and quarters are played,
// triplets less, 32nd-note positions hardly ever, so a pulse that needs them
// is too slow), how much stronger onsets are on its beats than on average,
// and bass notes per beat (a bass line rarely moves faster than the beat).
constexpr double kLogTempo = 0.612;
constexpr double kLogTempoSquared = -0.437;
constexpr double kOwnPulse = 0.345;
constexpr double kHalf = 4.279;
constexpr double kQuarter = 1.732;
constexpr double kTriplet = -3.197;
constexpr double kEighth = -26.201;
constexpr double kBeatStrength = 4.254;
constexpr double kBassPerBeat = -1.083;
constexpr int kBassBelow = 55;  // G3

double median_interval(const std::vector<double>& beats) {
  std::vector<double> d;
  for (size_t i = 1; i < beats.size(); ++i) d.push_back(beats[i] - beats[i - 1]);
  std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
  return d[d.size() / 2];
}

// Mean envelope strength at the beats over its mean at every frame.
double beat_strength(const OnsetEnvelope& env, const std::vector<double>& beats) {
  double all = 0;
  for (float v : env.strength) all += v;
  all /= static_cast<double>(env.frames());
  double at = 0;
  for (double b : beats) {
    const int64_t f = to_frame(b);
    if (f >= 0 && f < env.frames()) at += env.strength[static_cast<size_t>(f)];
  }
  at /= static_cast<double>(beats.size());
  return all > 0 ? std::max(at / all, 1e-6) : 1.0;
}

}  // namespace

std::vector<OnsetGroup> onset_groups(const Score& score) {
  std::vector<std::pair<double, int>> starts;
  starts.reserve(score.notes.size());
  for (const auto& n : score.notes) starts.emplace_back(n.start_seconds, n.pitch);
  std::sort(starts.begin(), starts.end());
  std::vector<OnsetGroup> groups;
  for (const auto& [t, pitch] : starts) {
    if (groups.empty() || t - groups.back().seconds >= kGroupSeconds) groups.push_back({t, pitch});
    groups.back().lowest_pitch = std::min(groups.back().lowest_pitch, pitch);
  }
  return groups;
}

OnsetPlacement onset_placement(const std::vector<OnsetGroup>& onsets, const std::vector<double>& beats) {
  OnsetPlacement out;
  if (beats.size() < 2) return out;
  size_t k = 0;
  int64_t half = 0, quarter = 0, first_third = 0, second_third = 0, eighth = 0, bass = 0;
  for (const OnsetGroup& group : onsets) {
    const double t = group.seconds;
    if (t < beats.front()) continue;
    while (k + 1 < beats.size() && beats[k + 1] <= t) ++k;
    if (k + 1 >= beats.size()) break;
    const double phase = (t - beats[k]) / (beats[k + 1] - beats[k]);
    auto near = [phase](double x, double tolerance) { return std::abs(phase - x) < tolerance; };
    ++out.onsets;
    bass += group.lowest_pitch < kBassBelow;
    // In this order: the windows of a quarter and a triplet touch.
    if (near(0, 0.07) || near(1, 0.07)) continue;
    if (near(0.5, 0.07))
      ++half;
    else if (near(0.25, 0.05) || near(0.75, 0.05))
      ++quarter;
    else if (near(1.0 / 3, 0.05))
      ++first_third;
    else if (near(2.0 / 3, 0.05))
      ++second_third;
    else if (near(0.125, 0.035) || near(0.375, 0.035) || near(0.625, 0.035) || near(0.875, 0.035))
      ++eighth;
  }
  if (out.onsets > 0) {
    const double n = static_cast<double>(out.onsets);
    // Onsets at 2/3 beyond those at 1/3 are swung eighths: the beat's half, played late.
    const int64_t swung = std::max<int64_t>(0, second_third - first_third);
    out.half = static_cast<double>(half + swung) / n;
    out.quarter = static_cast<double>(quarter) / n;
    out.triplet = static_cast<double>(first_third + second_third - swung) / n;
    out.eighth = static_cast<double>(eighth) / n;
    out.bass_per_beat = static_cast<double>(bass) / static_cast<double>(beats.size());
  }
  return out;
}

BeatTrack choose_beat_level(const Score& score, const OnsetEnvelope& env, const TempoCurve& tempo,
                            const BeatTrackingOptions& options) {
  const std::vector<OnsetGroup> onsets = onset_groups(score);
  const double middle_bpm = 60.0 * kFrameRate / tempo.period[tempo.period.size() / 2];
  const double slowest = std::max(options.min_bpm, kSlowestOtherBpm);
  const double fastest = std::min(options.max_bpm, kFastestOtherBpm);
  BeatTrack best;
  double best_score = -std::numeric_limits<double>::infinity();
  int64_t work = static_cast<int64_t>(score.notes.size());
  for (double factor : kPeriodFactors) {
    const bool own = factor == 1.0;
    if (!own && (middle_bpm / factor < slowest || middle_bpm / factor > fastest)) continue;
    TempoCurve scaled;
    scaled.period = tempo.period;
    for (double& p : scaled.period) p *= factor;
    BeatTrack track = track_beat_times(env, scaled, options.tightness);
    work += track.work + static_cast<int64_t>(onsets.size() + track.seconds.size()) + env.frames();
    if (track.seconds.size() < kMinBeats) {
      if (own) best = std::move(track);  // kept only if nothing else is found
      continue;
    }
    const OnsetPlacement at = onset_placement(onsets, track.seconds);
    const double bpm = 60.0 / median_interval(track.seconds);
    if (!own && (bpm < slowest || bpm > fastest)) continue;
    const double log_tempo = std::log2(bpm / options.prior_bpm);
    const double score_here =
        kLogTempo * log_tempo + kLogTempoSquared * log_tempo * log_tempo + (own ? kOwnPulse : 0.0) + kHalf * at.half +
        kQuarter * at.quarter + kTriplet * at.triplet + kEighth * at.eighth +
        kBeatStrength * std::log(beat_strength(env, track.seconds)) + kBassPerBeat * at.bass_per_beat;
    if (score_here > best_score) best_score = score_here, best = std::move(track);
  }
  best.work = work;
  return best;
}

}  // namespace emopiano::beat
