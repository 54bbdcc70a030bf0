// 95% confidence intervals for the small samples that evaluations report
// (50 pieces a quadrant, 20 a trajectory): a share of pieces (Wilson score
// interval, which stays inside [0, 1] and is honest at 0 and n) and a mean of
// a metric (Student's t).
#pragma once

#include <cstdint>

namespace emopiano::eval {

struct Interval {
  double low = 0;
  double high = 0;
};

// Wilson 95% interval of the share k / n; {0, 1} when n is 0.
Interval wilson_interval(int64_t k, int64_t n);

// Half-width of the 95% interval of a mean of n values whose population
// (divide-by-n) standard deviation is `stddev`; NaN when n < 2.
double mean_half_width(double stddev, int64_t n);

}  // namespace emopiano::eval
