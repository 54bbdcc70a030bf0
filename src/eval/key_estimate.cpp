// Krumhansl-Schmuckler key finding with the Krumhansl-Kessler probe-tone
// profiles: the key whose profile correlates best with how long each pitch
// class sounds.
#include <array>
#include <cmath>

#include "emopiano/metrics.hpp"

namespace emopiano {
namespace {

constexpr std::array<double, 12> kMajorProfile = {6.35, 2.23, 3.48, 2.33, 4.38, 4.09,
                                                  2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
constexpr std::array<double, 12> kMinorProfile = {6.33, 2.68, 3.52, 5.38, 2.60, 3.53,
                                                  2.54, 4.75, 3.98, 2.69, 3.34, 3.17};
constexpr const char* kPitchClassNames[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};

double pearson(const std::array<double, 12>& x, const std::array<double, 12>& profile, int tonic) {
  double mx = 0, my = 0;
  for (int i = 0; i < 12; ++i) {
    mx += x[i];
    my += profile[i];
  }
  mx /= 12;
  my /= 12;
  double sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < 12; ++i) {
    // Profile index 0 is the tonic: pitch class i is degree (i - tonic).
    double a = x[i] - mx, b = profile[(i - tonic + 12) % 12] - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  if (sxx <= 0 || syy <= 0) return 0;
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace

std::string KeyEstimate::name() const {
  return std::string(kPitchClassNames[((tonic % 12) + 12) % 12]) + (major ? " major" : " minor");
}

KeyEstimate estimate_key(const Score& score) {
  std::array<double, 12> weight{};
  for (const Note& n : score.notes) {
    // Ticks, not seconds: a tempo change should not reweight the harmony.
    weight[n.pitch % 12] += static_cast<double>(std::max<int64_t>(1, n.end_tick - n.start_tick));
  }
  KeyEstimate best;
  best.correlation = 0;
  bool any = false;
  for (int tonic = 0; tonic < 12; ++tonic) {
    for (bool major : {true, false}) {
      double r = pearson(weight, major ? kMajorProfile : kMinorProfile, tonic);
      if (!any || r > best.correlation) {
        best = KeyEstimate{tonic, major, r};
        any = true;
      }
    }
  }
  if (score.notes.empty()) best = KeyEstimate{0, true, 0.0};
  return best;
}

}  // namespace emopiano
