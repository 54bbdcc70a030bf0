#include "eval/confidence_interval.hpp"

#include <algorithm>
#include <cmath>

namespace emopiano::eval {
namespace {

constexpr double kZ = 1.959963984540054;  // two-sided 95% normal quantile

// Two-sided 95% quantile of Student's t: exact to 3 decimals for 1..30
// degrees of freedom, then the Cornish-Fisher expansion (within 0.001).
double t95(int64_t df) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                 2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df <= 30) return table[df - 1];
  const double z = kZ, d = static_cast<double>(df);
  return z + (z * z * z + z) / (4 * d) + (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * d * d);
}

}  // namespace

Interval wilson_interval(int64_t k, int64_t n) {
  if (n <= 0) return {0, 1};
  const double p = static_cast<double>(k) / static_cast<double>(n), m = static_cast<double>(n);
  const double z2 = kZ * kZ;
  const double centre = (p + z2 / (2 * m)) / (1 + z2 / m);
  const double half = kZ * std::sqrt(p * (1 - p) / m + z2 / (4 * m * m)) / (1 + z2 / m);
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

double mean_half_width(double stddev, int64_t n) {
  if (n < 2 || !std::isfinite(stddev)) return NAN;
  const double m = static_cast<double>(n);
  // The sample standard deviation from the population one.
  return t95(n - 1) * stddev * std::sqrt(m / (m - 1)) / std::sqrt(m);
}

}  // namespace emopiano::eval
