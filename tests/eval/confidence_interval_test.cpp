// Intervals against values computed by hand and by statistics packages.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/confidence_interval.hpp"

namespace emopiano::eval {
namespace {

TEST(ConfidenceInterval, WilsonMatchesReferenceValues) {
  // statsmodels proportion_confint(32, 50, method="wilson"): (0.5014, 0.7586)
  const Interval a = wilson_interval(32, 50);
  EXPECT_NEAR(a.low, 0.5014, 5e-4);
  EXPECT_NEAR(a.high, 0.7586, 5e-4);
  // 0 of 20 (0, 0.1611) and 20 of 20 (0.8389, 1): never outside [0, 1].
  EXPECT_NEAR(wilson_interval(0, 20).low, 0.0, 1e-12);
  EXPECT_NEAR(wilson_interval(0, 20).high, 0.1611, 5e-4);
  EXPECT_NEAR(wilson_interval(20, 20).low, 0.8389, 5e-4);
  EXPECT_NEAR(wilson_interval(20, 20).high, 1.0, 1e-12);
  EXPECT_EQ(wilson_interval(0, 0).low, 0.0);
  EXPECT_EQ(wilson_interval(0, 0).high, 1.0);
}

TEST(ConfidenceInterval, MeanHalfWidthUsesStudentsT) {
  // Values 1..5: mean 3, population sd sqrt(2), sample sd sqrt(2.5);
  // half-width t(0.975, 4) * sqrt(2.5) / sqrt(5) = 2.776 * 0.7071 = 1.963.
  EXPECT_NEAR(mean_half_width(std::sqrt(2.0), 5), 1.963, 1e-3);
  // 50 values with sample sd 10: t(0.975, 49) = 2.0096, 2.0096 * 10 / sqrt(50) = 2.842.
  const double population_sd = 10 * std::sqrt(49.0 / 50.0);
  EXPECT_NEAR(mean_half_width(population_sd, 50), 2.842, 2e-3);
  EXPECT_TRUE(std::isnan(mean_half_width(1.0, 1)));
}

}  // namespace
}  // namespace emopiano::eval
