#include "beat/beat_f_measure.hpp"

#include <algorithm>
#include <cmath>

namespace emopiano::beat {

double beat_f_measure(const std::vector<double>& reference, const std::vector<double>& estimated, double window,
                      double skip_seconds) {
  auto after = [&](const std::vector<double>& v) {
    return std::vector<double>(std::lower_bound(v.begin(), v.end(), skip_seconds), v.end());
  };
  const std::vector<double> ref = after(reference), est = after(estimated);
  if (ref.empty() && est.empty()) return 1.0;
  if (ref.empty() || est.empty()) return 0.0;
  // On a line, matching each point to the earliest unmatched partner within
  // the window is a maximum matching (what mir_eval's bipartite matching finds).
  size_t i = 0, j = 0, hits = 0;
  while (i < ref.size() && j < est.size()) {
    if (std::abs(ref[i] - est[j]) <= window)
      ++hits, ++i, ++j;
    else if (est[j] < ref[i])
      ++j;
    else
      ++i;
  }
  const double precision = static_cast<double>(hits) / static_cast<double>(est.size());
  const double recall = static_cast<double>(hits) / static_cast<double>(ref.size());
  return hits ? 2 * precision * recall / (precision + recall) : 0.0;
}

}  // namespace emopiano::beat
