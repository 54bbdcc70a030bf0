// The step's LayerNorm: every instruction set's kernel gives the portable
// kernel's floats bit for bit, and all agree with LayerNorm in double.
#include "kernels/layer_norm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace emopiano::kernels {
namespace {

struct Row {
  LayerNormWeights ln;
  std::vector<float> x;
};

Row random_row(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Row r;
  r.ln.eps = 1e-5f;
  for (int64_t i = 0; i < n; ++i) {
    r.ln.weight.push_back(1.0f + 0.3f * normal(rng));
    r.ln.bias.push_back(0.2f * normal(rng));
    r.x.push_back(3.0f + 5.0f * normal(rng));  // an offset, as a residual stream has
  }
  return r;
}

std::vector<double> reference(const Row& r) {
  const auto n = static_cast<double>(r.x.size());
  double mean = 0.0, squares = 0.0;
  for (float v : r.x) mean += v;
  mean /= n;
  for (float v : r.x) squares += (v - mean) * (v - mean);
  const double inv = 1.0 / std::sqrt(squares / n + r.ln.eps);
  std::vector<double> y;
  for (size_t i = 0; i < r.x.size(); ++i) y.push_back((r.x[i] - mean) * inv * r.ln.weight[i] + r.ln.bias[i]);
  return y;
}

TEST(LayerNorm, EveryKernelGivesThePortableResultBitForBit) {
  int checked = 0;
  for (int64_t n : {1, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100, 256, 257}) {
    const Row r = random_row(n, static_cast<uint32_t>(n));
    std::vector<float> portable(static_cast<size_t>(n));
    layer_norm(GemvIsa::scalar, r.ln, r.x.data(), n, portable.data());
    const std::vector<double> want = reference(r);
    for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(portable[i], want[i], 1e-5 * (1.0 + std::fabs(want[i]))) << n;
    for (GemvIsa isa : {GemvIsa::avx2_fma, GemvIsa::avx512f, GemvIsa::avx512_bf16}) {
      if (!gemv_isa_supported(isa)) continue;
      std::vector<float> y(static_cast<size_t>(n), -1.0f);
      layer_norm(isa, r.ln, r.x.data(), n, y.data());
      ASSERT_EQ(std::memcmp(y.data(), portable.data(), y.size() * sizeof(float)), 0)
          << gemv_isa_name(isa) << ", n = " << n;
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "this CPU runs only the portable kernel";
}

}  // namespace
}  // namespace emopiano::kernels
