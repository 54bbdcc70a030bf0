#include "beat/tempo_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace emopiano::beat {

namespace {

constexpr int64_t kWindowFrames = 800;  // 8 s of music per tempogram column
constexpr int64_t kHopFrames = 100;     // one column a second
constexpr int kBinsPerOctave = 24;      // 3% tempo steps
constexpr int kMaxBinStep = 2;          // tempo may move 6% a second at most
constexpr double kStepPenalty = 1.0;    // log-score cost of each bin moved
// The autocorrelation is smoothed along the lag by this much (frames):
// played beats are never exactly periodic.
constexpr double kLagSmoothing = 2.5;

double lerp_at(const std::vector<double>& values, double x) {
  if (x < 0) return 0.0;
  const size_t i = static_cast<size_t>(x);
  if (i + 1 >= values.size()) return 0.0;
  const double f = x - static_cast<double>(i);
  return values[i] * (1 - f) + values[i + 1] * f;
}

}  // namespace

TempoCurve estimate_tempo(const OnsetEnvelope& env, const BeatTrackingOptions& options) {
  TempoCurve curve;
  const int64_t frames = env.frames();
  if (frames == 0) return curve;

  const int bins =
      std::max(1, static_cast<int>(std::floor(kBinsPerOctave * std::log2(options.max_bpm / options.min_bpm))) + 1);
  std::vector<double> bin_lag(bins), prior(bins);
  for (int b = 0; b < bins; ++b) {
    const double bpm = options.min_bpm * std::exp2(static_cast<double>(b) / kBinsPerOctave);
    bin_lag[b] = 60.0 * kFrameRate / bpm;
    const double octaves = std::log2(bpm / options.prior_bpm) / options.prior_octaves;
    prior[b] = -0.5 * octaves * octaves;
  }
  // Lags up to twice the slowest beat (the comb looks one period further).
  const int64_t max_lag = static_cast<int64_t>(std::ceil(2 * bin_lag[0])) + 8;

  const int64_t columns = std::max<int64_t>(1, (frames + kHopFrames - 1) / kHopFrames);
  std::vector<std::vector<double>> observation(static_cast<size_t>(columns), std::vector<double>(bins));
  std::vector<double> acf(static_cast<size_t>(max_lag + 1)), smooth(acf.size());
  const auto& imp = env.impulses;
  size_t first = 0;
  for (int64_t col = 0; col < columns; ++col) {
    const int64_t centre = col * kHopFrames + kHopFrames / 2;
    const int64_t lo = centre - kWindowFrames / 2, hi = centre + kWindowFrames / 2;
    while (first < imp.size() && imp[first].frame < lo) ++first;
    std::fill(acf.begin(), acf.end(), 0.0);
    for (size_t i = first; i < imp.size() && imp[i].frame < hi; ++i)
      for (size_t j = i; j < imp.size() && imp[j].frame < hi; ++j) {
        const int64_t lag = imp[j].frame - imp[i].frame;
        if (lag > max_lag) break;
        acf[static_cast<size_t>(lag)] += static_cast<double>(imp[i].weight) * imp[j].weight;
        ++curve.work;
      }
    const double energy = acf[0];
    std::vector<double>& obs = observation[static_cast<size_t>(col)];
    if (energy <= 0) {
      obs = prior;  // silence: only the prior and the neighbours speak
      continue;
    }
    const int radius = static_cast<int>(3 * kLagSmoothing);
    for (int64_t lag = 0; lag <= max_lag; ++lag) {
      double sum = 0, norm = 0;
      for (int k = -radius; k <= radius; ++k) {
        const int64_t at = lag + k;
        if (at < 1 || at > max_lag) continue;  // lag 0 is each onset with itself
        const double w = std::exp(-0.5 * (k / kLagSmoothing) * (k / kLagSmoothing));
        sum += w * acf[static_cast<size_t>(at)];
        norm += w;
      }
      smooth[static_cast<size_t>(lag)] = norm > 0 ? sum / norm / energy : 0.0;
      curve.work += 2 * radius + 1;
    }
    // A comb: a beat period is confirmed by the bar-level repetition at twice it.
    double best = 0;
    for (int b = 0; b < bins; ++b) {
      obs[b] = lerp_at(smooth, bin_lag[b]) + 0.5 * lerp_at(smooth, 2 * bin_lag[b]);
      best = std::max(best, obs[b]);
    }
    for (int b = 0; b < bins; ++b) obs[b] = std::log(obs[b] / std::max(best, 1e-12) + 0.05) + prior[b];
  }

  // Viterbi over tempo bins, one column a hop.
  std::vector<double> score = observation[0], next(bins);
  std::vector<std::vector<int>> back(static_cast<size_t>(columns), std::vector<int>(bins, 0));
  for (int64_t col = 1; col < columns; ++col) {
    for (int b = 0; b < bins; ++b) {
      double best = -std::numeric_limits<double>::infinity();
      int arg = b;
      for (int d = -kMaxBinStep; d <= kMaxBinStep; ++d) {
        const int from = b + d;
        if (from < 0 || from >= bins) continue;
        const double v = score[from] - kStepPenalty * std::abs(d);
        if (v > best) best = v, arg = from;
      }
      next[b] = best + observation[static_cast<size_t>(col)][b];
      back[static_cast<size_t>(col)][b] = arg;
    }
    score.swap(next);
    curve.work += bins * (2 * kMaxBinStep + 1);
  }
  std::vector<double> column_lag(static_cast<size_t>(columns));
  int b = static_cast<int>(std::max_element(score.begin(), score.end()) - score.begin());
  for (int64_t col = columns - 1; col >= 0; --col) {
    column_lag[static_cast<size_t>(col)] = bin_lag[b];
    b = back[static_cast<size_t>(col)][b];
  }

  // Between column centres the period moves linearly.
  curve.period.resize(static_cast<size_t>(frames));
  for (int64_t f = 0; f < frames; ++f) {
    const double x = (static_cast<double>(f) - kHopFrames / 2.0) / kHopFrames;
    const int64_t c0 = std::clamp<int64_t>(static_cast<int64_t>(std::floor(x)), 0, columns - 1);
    const int64_t c1 = std::min(c0 + 1, columns - 1);
    const double t = std::clamp(x - static_cast<double>(c0), 0.0, 1.0);
    curve.period[static_cast<size_t>(f)] =
        column_lag[static_cast<size_t>(c0)] * (1 - t) + column_lag[static_cast<size_t>(c1)] * t;
  }
  return curve;
}

}  // namespace emopiano::beat
