#include "beat/beat_tracker.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace emopiano::beat {

namespace {

// Beats this far (in periods) outside the first and last onsets are silence.
constexpr double kOverhang = 0.5;
// A beat is moved to the centre of mass of the envelope this near (frames):
// sub-frame precision from the notes themselves.
constexpr int kRefineRadius = 3;

}  // namespace

BeatTrack track_beat_times(const OnsetEnvelope& env, const TempoCurve& tempo, double tightness) {
  BeatTrack track;
  const int64_t frames = env.frames();
  if (frames < 2 || tempo.period.size() != static_cast<size_t>(frames)) return track;

  // The envelope scaled to unit deviation, so tightness means the same for
  // quiet and loud, sparse and dense pieces.
  double mean = 0, sq = 0;
  for (float v : env.strength) mean += v;
  mean /= static_cast<double>(frames);
  for (float v : env.strength) sq += (v - mean) * (v - mean);
  const double scale = sq > 0 ? 1.0 / std::sqrt(sq / static_cast<double>(frames)) : 1.0;

  // log of every interval the search can meet, so the inner loop has no log().
  double longest = 0;
  for (double p : tempo.period) longest = std::max(longest, p);
  std::vector<double> log_of(static_cast<size_t>(std::lround(2 * longest)) + 2);
  for (size_t k = 1; k < log_of.size(); ++k) log_of[k] = std::log(static_cast<double>(k));

  std::vector<double> cumulative(static_cast<size_t>(frames));
  std::vector<int64_t> previous(static_cast<size_t>(frames), -1);
  for (int64_t t = 0; t < frames; ++t) {
    const double period = tempo.period[static_cast<size_t>(t)];
    const int64_t lo = std::max<int64_t>(0, t - static_cast<int64_t>(std::lround(2 * period)));
    const int64_t hi = t - static_cast<int64_t>(std::lround(period / 2));
    const double log_period = std::log(period);
    double best = 0;  // starting a new chain here scores nothing
    int64_t arg = -1;
    for (int64_t p = lo; p <= hi; ++p) {
      const double r = log_of[static_cast<size_t>(t - p)] - log_period;
      const double v = cumulative[static_cast<size_t>(p)] - tightness * r * r;
      if (v > best) best = v, arg = p;
    }
    track.work += std::max<int64_t>(0, hi - lo + 1);
    cumulative[static_cast<size_t>(t)] = env.strength[static_cast<size_t>(t)] * scale + best;
    previous[static_cast<size_t>(t)] = arg;
  }

  // The chain ends at the best beat within one period of the last onset.
  const double end_period = tempo.period[static_cast<size_t>(env.last_onset_frame)];
  const int64_t end_lo = std::max<int64_t>(0, env.last_onset_frame - static_cast<int64_t>(end_period));
  const int64_t end_hi = std::min<int64_t>(frames - 1, env.last_onset_frame + kRefineRadius);
  int64_t t = end_lo;
  for (int64_t f = end_lo; f <= end_hi; ++f)
    if (cumulative[static_cast<size_t>(f)] > cumulative[static_cast<size_t>(t)]) t = f;
  std::vector<int64_t> chain;
  for (; t >= 0; t = previous[static_cast<size_t>(t)]) chain.push_back(t);
  std::reverse(chain.begin(), chain.end());

  const double first_keep =
      env.first_onset_frame - kOverhang * tempo.period[static_cast<size_t>(env.first_onset_frame)];
  for (int64_t f : chain) {
    if (static_cast<double>(f) < first_keep) continue;
    double sum = 0, moment = 0;
    for (int64_t k = std::max<int64_t>(0, f - kRefineRadius); k <= std::min(frames - 1, f + kRefineRadius); ++k) {
      sum += env.strength[static_cast<size_t>(k)];
      moment += env.strength[static_cast<size_t>(k)] * static_cast<double>(k);
    }
    const double at = sum > 1e-3 ? moment / sum : static_cast<double>(f);
    if (!track.seconds.empty() && to_seconds(at) <= track.seconds.back()) continue;
    track.seconds.push_back(to_seconds(at));
  }
  track.work += frames;
  return track;
}

}  // namespace emopiano::beat
