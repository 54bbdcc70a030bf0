// The vectorised GELU against the exact one, computed in double with std::erf.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/gelu.hpp"

namespace emopiano::kernels {
namespace {

double exact_gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

TEST(Gelu, MatchesTheErfFormAcrossItsRange) {
  std::vector<float> x;
  for (double v = -12.0; v <= 12.0; v += 1.0 / 256) x.push_back(static_cast<float>(v));
  x.push_back(0.0f);
  x.push_back(-0.0f);
  x.push_back(1e-20f);
  x.push_back(-100.0f);
  x.push_back(100.0f);
  std::vector<float> y = x;
  gelu(y.data(), static_cast<int64_t>(y.size()));  // an odd count: the vector loop's tail too
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = exact_gelu(x[i]);
    ASSERT_NEAR(y[i], want, 3e-7 + 2e-7 * std::fabs(want)) << "x = " << x[i];
  }
}

}  // namespace
}  // namespace emopiano::kernels
