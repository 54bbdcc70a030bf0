// Every GEMV kernel this CPU runs against a double-precision product of the
// same bf16 weights, on sizes that are not multiples of the panel or the
// vector width.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/bf16.hpp"
#include "kernels/gemv.hpp"

namespace emopiano::kernels {
namespace {

const GemvIsa kAll[] = {GemvIsa::scalar, GemvIsa::avx2_fma, GemvIsa::avx512f, GemvIsa::avx512_bf16};

struct Case {
  int64_t rows, cols;
};

std::vector<float> random_values(size_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Each output against sum_k |w||x| (the scale of its rounding error): the
// float kernels are within a few float ulps of it, the bf16-activation kernel
// within the bf16 rounding of x (2^-8 relative).
double tolerance(GemvIsa isa) { return isa == GemvIsa::avx512_bf16 ? 1.0 / 256 : 1e-5; }

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(from_bf16(to_bf16(1.0f + 1.0f / 256)), 1.0f);              // tie: to even (down)
  EXPECT_EQ(from_bf16(to_bf16(1.0f + 3.0f / 256)), 1.0f + 1.0f / 64);  // tie: to even (up)
  EXPECT_EQ(from_bf16(to_bf16(1.0f + 1.0f / 1024)), 1.0f);             // below half an ulp
  EXPECT_EQ(from_bf16(to_bf16(-2.5f)), -2.5f);
  EXPECT_TRUE(std::isnan(from_bf16(to_bf16(std::nanf("")))));
}

TEST(PackedMatrix, KeepsEveryValueRoundedToBf16) {
  const int64_t rows = 19, cols = 7;
  auto w = random_values(static_cast<size_t>(rows * cols), 1, 1.0f);
  PackedMatrix m(w.data(), rows, cols, cols);
  EXPECT_EQ(m.panels(), 2);
  EXPECT_EQ(m.column_pairs(), 4);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) EXPECT_EQ(m.at(r, c), from_bf16(to_bf16(w[static_cast<size_t>(r * cols + c)])));
}

TEST(Gemv, ScalarKernelIsAlwaysSupported) { EXPECT_TRUE(gemv_isa_supported(GemvIsa::scalar)); }

TEST(Gemv, ChosenKernelIsSupported) { EXPECT_TRUE(gemv_isa_supported(gemv_isa())); }

TEST(Gemv, EveryKernelMatchesADoubleProductOnOddSizes) {
  const Case cases[] = {{1, 1}, {3, 5}, {16, 2}, {17, 33}, {31, 64}, {40, 257}, {100, 1023}, {768, 256}};
  int ran = 0;
  for (GemvIsa isa : kAll) {
    if (!gemv_isa_supported(isa)) continue;
    ++ran;
    for (const Case& c : cases) {
      for (int64_t n : {1, 2, 3, 4, 5, 9}) {
        SCOPED_TRACE(testing::Message() << gemv_isa_name(isa) << " " << c.rows << "x" << c.cols << " n=" << n);
        auto w = random_values(static_cast<size_t>(c.rows * c.cols), static_cast<uint32_t>(c.rows * 7 + c.cols), 0.5f);
        auto bias = random_values(static_cast<size_t>(c.rows), 3, 1.0f);
        const int64_t x_stride = c.cols + 3, y_stride = c.rows + 5;
        auto x = random_values(static_cast<size_t>(n * x_stride), 4, 1.0f);
        PackedMatrix m(w.data(), c.rows, c.cols, c.cols);
        std::vector<float> y(static_cast<size_t>(n * y_stride), -7.0f);
        gemv(isa, m, bias.data(), x.data(), x_stride, y.data(), y_stride, n);
        for (int64_t i = 0; i < n; ++i) {
          for (int64_t r = 0; r < c.rows; ++r) {
            double exact = bias[static_cast<size_t>(r)], scale = std::fabs(bias[static_cast<size_t>(r)]);
            for (int64_t k = 0; k < c.cols; ++k) {
              const double term =
                  static_cast<double>(m.at(r, k)) * static_cast<double>(x[static_cast<size_t>(i * x_stride + k)]);
              exact += term;
              scale += std::fabs(term);
            }
            ASSERT_NEAR(y[static_cast<size_t>(i * y_stride + r)], exact, tolerance(isa) * scale + 1e-30)
                << "row " << r << " of x row " << i;
          }
          // Nothing written past the rows of y.
          for (int64_t r = c.rows; r < y_stride; ++r) ASSERT_EQ(y[static_cast<size_t>(i * y_stride + r)], -7.0f);
        }
      }
    }
  }
  EXPECT_GE(ran, 1);
}

// Guidance's rows and a batch's pieces go through one call; each row must
// come out bit for bit as it would alone, whatever the batch and wherever the
// row falls in the kernel's groups of rows.
TEST(Gemv, EveryRowOfABatchGivesWhatItGivesAlone) {
  const int64_t rows = 45, cols = 77;
  auto w = random_values(static_cast<size_t>(rows * cols), 9, 0.5f);
  PackedMatrix m(w.data(), rows, cols, cols);
  for (int64_t n : {2, 3, 4, 5, 7, 8, 9}) {
    auto x = random_values(static_cast<size_t>(n * cols), static_cast<uint32_t>(10 + n), 1.0f);
    for (GemvIsa isa : kAll) {
      if (!gemv_isa_supported(isa)) continue;
      std::vector<float> all(static_cast<size_t>(n * rows)), alone(static_cast<size_t>(rows));
      gemv(isa, m, nullptr, x.data(), cols, all.data(), rows, n);
      for (int64_t i = 0; i < n; ++i) {
        gemv(isa, m, nullptr, x.data() + i * cols, cols, alone.data(), rows, 1);
        for (int64_t r = 0; r < rows; ++r) {
          ASSERT_EQ(all[static_cast<size_t>(i * rows + r)], alone[static_cast<size_t>(r)])
              << gemv_isa_name(isa) << " row " << r << " of x row " << i << " of " << n;
        }
      }
    }
  }
}

TEST(Gemv, WithoutBiasAddsNothing) {
  const int64_t rows = 5, cols = 3;
  std::vector<float> w = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  std::vector<float> x = {1, -1, 2};
  PackedMatrix m(w.data(), rows, cols, cols);
  for (GemvIsa isa : kAll) {
    if (!gemv_isa_supported(isa)) continue;
    std::vector<float> y(rows);
    gemv(isa, m, nullptr, x.data(), cols, y.data(), rows, 1);
    // Small integers are exact in bf16 and in every kernel.
    EXPECT_EQ(y, (std::vector<float>{5, 11, 17, 23, 29})) << gemv_isa_name(isa);
  }
}

}  // namespace
}  // namespace emopiano::kernels
