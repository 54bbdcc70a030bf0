#include "beat/downbeat.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace emopiano::beat {

namespace {

// Weights of the downbeat cues (z-scores): tuned on POP909's annotated downbeats.
constexpr double kBassWeight = 1.0;
constexpr double kHarmonyWeight = 1.0;
constexpr double kLengthWeight = 1.0;
constexpr double kAccentWeight = 0.5;
constexpr double kPedalWeight = 0.5;
// Cost of a bar that is not `metre` beats long (a beat missed or added).
constexpr double kJumpCost = 4.0;
// 3/4 must be this much clearer than 4/4 to be chosen (4/4 is far more common).
constexpr double kTripleMargin = 1.15;

using Chroma = std::array<double, 12>;

double cosine(const Chroma& a, const Chroma& b) {
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < 12; ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 1.0;
}

void standardize(std::vector<double>& v) {
  if (v.empty()) return;
  double mean = 0, sq = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (double x : v) sq += (x - mean) * (x - mean);
  const double sd = std::sqrt(sq / static_cast<double>(v.size()));
  for (double& x : v) x = sd > 1e-9 ? (x - mean) / sd : 0.0;
}

struct Path {
  std::vector<int> position;  // position in the bar of each beat
  double contrast = -std::numeric_limits<double>::infinity();
};

Path bar_positions(const std::vector<double>& cue, int metre, int64_t& work) {
  const size_t n = cue.size();
  Path path;
  path.position.assign(n, 0);
  std::vector<double> score(static_cast<size_t>(metre), 0.0), next(static_cast<size_t>(metre));
  std::vector<int> back(n * static_cast<size_t>(metre), 0);
  for (int s = 0; s < metre; ++s) score[s] = s == 0 ? cue[0] : 0.0;
  for (size_t i = 1; i < n; ++i) {
    for (int s = 0; s < metre; ++s) {
      double best = -std::numeric_limits<double>::infinity();
      int arg = 0;
      for (int from = 0; from < metre; ++from) {
        const double v = score[from] - ((from + 1) % metre == s ? 0.0 : kJumpCost);
        if (v > best) best = v, arg = from;
      }
      next[s] = best + (s == 0 ? cue[i] : 0.0);
      back[i * metre + s] = arg;
    }
    score.swap(next);
    work += metre * metre;
  }
  int s = static_cast<int>(std::max_element(score.begin(), score.end()) - score.begin());
  for (size_t i = n; i-- > 0;) {
    path.position[i] = s;
    if (i > 0) s = back[i * metre + s];
  }
  double on = 0, off = 0;
  int on_count = 0, off_count = 0;
  for (size_t i = 0; i < n; ++i)
    if (path.position[i] == 0)
      on += cue[i], ++on_count;
    else
      off += cue[i], ++off_count;
  if (on_count && off_count) path.contrast = on / on_count - off / off_count;
  return path;
}

}  // namespace

Bars find_downbeats(const Score& score, const std::vector<double>& beats, int metre) {
  Bars bars;
  bars.metre = metre > 0 ? metre : 4;
  const size_t n = beats.size();
  if (n == 0) return bars;
  if (n < 2) {
    bars.downbeats = {0};
    return bars;
  }

  auto period = [&](size_t i) { return i + 1 < n ? beats[i + 1] - beats[i] : beats[i] - beats[i - 1]; };
  std::vector<double> bass(n, 0), accent(n, 0), length(n, 0), pedal(n, 0), harmony(n, 0);
  std::vector<Chroma> chroma(n, Chroma{});
  // Notes are sorted by tick, hence by time; each beat owns the onsets from a
  // little before it to a little before the next beat.
  size_t i = 0;
  for (const auto& note : score.notes) {
    const double t = note.start_seconds;
    while (i + 1 < n && t >= beats[i + 1] - std::min(0.07, 0.2 * period(i + 1))) ++i;
    const double p = period(i);
    const double near = std::min(0.07, 0.2 * p);
    const double weight = note.velocity / 127.0;
    const double dur = std::min(4.0, (note.end_seconds - note.start_seconds) / p);
    chroma[i][static_cast<size_t>(note.pitch % 12)] += weight * (0.5 + dur);
    if (std::abs(t - beats[i]) <= near) {
      bass[i] = std::max(bass[i], std::clamp((60 - note.pitch) / 24.0, 0.0, 1.0) * (0.5 + dur));
      accent[i] += weight;
      length[i] = std::max(length[i], dur);
    }
    ++bars.work;
  }
  i = 0;
  for (const auto& ped : score.pedal) {
    if (!ped.down) continue;
    while (i + 1 < n && ped.seconds >= (beats[i] + beats[i + 1]) / 2) ++i;
    if (std::abs(ped.seconds - beats[i]) <= 0.25 * period(i)) pedal[i] = 1;
  }
  // Harmony: two beats from here against the two before.
  for (size_t k = 0; k < n; ++k) {
    Chroma after{}, before{};
    for (size_t j = k; j < std::min(n, k + 2); ++j)
      for (int c = 0; c < 12; ++c) after[c] += chroma[j][c];
    for (size_t j = k >= 2 ? k - 2 : 0; j < k; ++j)
      for (int c = 0; c < 12; ++c) before[c] += chroma[j][c];
    harmony[k] = k == 0 ? 0.0 : 1.0 - cosine(after, before);
  }
  for (auto* v : {&bass, &accent, &length, &pedal, &harmony}) standardize(*v);
  std::vector<double> cue(n);
  for (size_t k = 0; k < n; ++k)
    cue[k] = kBassWeight * bass[k] + kHarmonyWeight * harmony[k] + kLengthWeight * length[k] +
             kAccentWeight * accent[k] + kPedalWeight * pedal[k];

  Path best;
  if (metre > 0) {
    best = bar_positions(cue, metre, bars.work);
  } else {
    Path four = bar_positions(cue, 4, bars.work);
    Path three = bar_positions(cue, 3, bars.work);
    const bool triple = three.contrast > kTripleMargin * four.contrast && three.contrast > 0;
    best = triple ? three : four;
    bars.metre = triple ? 3 : 4;
  }
  for (size_t k = 0; k < n; ++k)
    if (best.position[k] == 0) bars.downbeats.push_back(static_cast<int>(k));
  if (bars.downbeats.empty()) bars.downbeats.push_back(0);
  return bars;
}

}  // namespace emopiano::beat
