// How well a score's onsets sit on its own beat grid, and the test the
// tokenizer uses to decide whether a score needs its beats tracked.
#include <algorithm>
#include <cmath>

#include "emopiano/beats.hpp"

namespace emopiano {

namespace {

// Fewer onsets than this cannot tell a grid from chance.
constexpr size_t kMinOnsets = 16;
// Rayleigh z = R * sqrt(N) at the beat or a subdivision. Onsets at random
// phases exceed 2.5 at one of the five harmonics about one time in a hundred;
// measured on the data: EMOPIA's performances have a median of 1.1 (90% below
// 2.7; the few above were played to a click), POP909's quantized arrangements
// a minimum of 3.0 and a median of 26.
constexpr double kAlignedZ = 2.5;
constexpr int kHarmonics[] = {1, 2, 3, 4, 6};

// Onset ticks with the notes of one chord counted once (a chord's notes all
// share a phase, so counting each would make chance look like a grid):
// onsets within a 64th note of the first of a group join it.
std::vector<int64_t> onset_ticks(const Score& score) {
  std::vector<int64_t> ticks;
  const int64_t join = std::max<int64_t>(1, score.ticks_per_beat / 16);
  for (const auto& n : score.notes)
    if (ticks.empty() || n.start_tick - ticks.back() >= join) ticks.push_back(n.start_tick);
  return ticks;
}

double resultant(const std::vector<int64_t>& ticks, int64_t ticks_per_beat, int harmonic) {
  double c = 0, s = 0;
  for (int64_t t : ticks) {
    const double phase = static_cast<double>(((t % ticks_per_beat) + ticks_per_beat) % ticks_per_beat) /
                         static_cast<double>(ticks_per_beat);
    c += std::cos(2 * M_PI * harmonic * phase);
    s += std::sin(2 * M_PI * harmonic * phase);
  }
  return ticks.empty() ? 0.0 : std::hypot(c, s) / static_cast<double>(ticks.size());
}

}  // namespace

double beat_phase_concentration(const Score& score, int harmonic) {
  if (score.ticks_per_beat <= 0 || harmonic < 1) return 0.0;
  return resultant(onset_ticks(score), score.ticks_per_beat, harmonic);
}

bool is_unaligned(const Score& score) {
  if (score.ticks_per_beat <= 0) return false;
  for (const auto& t : score.tempos)
    if (std::abs(t.bpm - score.tempos.front().bpm) > 1e-6 * score.tempos.front().bpm) return false;
  const std::vector<int64_t> ticks = onset_ticks(score);
  if (ticks.size() < kMinOnsets) return false;
  const double root_n = std::sqrt(static_cast<double>(ticks.size()));
  for (int k : kHarmonics)
    if (resultant(ticks, score.ticks_per_beat, k) * root_n >= kAlignedZ) return false;
  return true;
}

}  // namespace emopiano
