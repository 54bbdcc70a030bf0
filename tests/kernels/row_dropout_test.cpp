// The row dropout kernels: the vector kernel gives the portable one's
// values bit for bit (float32 and bf16, widths that are not a multiple of
// eight), the mask is the attention dropout's own (dropout_keeps), it drops
// the share it is asked to and scales the rest, and a row's mask depends on
// the seed and the row only, not on how the rows are split among calls.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/bf16.hpp"
#include "kernels/row_dropout.hpp"

namespace emopiano::kernels {
namespace row_dropout {
namespace {

std::vector<float> random_values(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = normal(rng) + 0.01f;  // never exactly 0
  return v;
}

DropoutRows shape_of(int64_t width, ScoreType type, float drop, uint64_t seed) {
  DropoutRows s;
  s.width = width;
  s.type = type;
  s.drop = drop;
  s.seed = seed;
  return s;
}

TEST(RowDropout, KeepsWhatTheAttentionDropoutsMaskKeepsScaled) {
  const int64_t width = 37, rows = 11;
  const auto x = random_values(width * rows, 1);
  const auto s = shape_of(width, ScoreType::f32, 0.3f, 99);
  std::vector<float> y(x.size());
  dropout_rows(s, x.data(), y.data(), 0, rows);
  for (int64_t r = 0; r < rows; ++r) {
    const uint32_t key = dropout_row_key(s.seed, r);
    for (int64_t j = 0; j < width; ++j) {
      const size_t i = static_cast<size_t>(r * width + j);
      if (dropout_keeps(dropout_threshold(s.drop), key, j))
        EXPECT_FLOAT_EQ(y[i], x[i] / 0.7f) << r << "," << j;
      else
        EXPECT_EQ(y[i], 0.0f) << r << "," << j;
    }
  }
}

TEST(RowDropout, DropsTheShareAskedFor) {
  const int64_t width = 256, rows = 4096;  // a million values: the share within 0.5% of p
  const std::vector<float> x(static_cast<size_t>(width * rows), 1.0f);
  std::vector<float> y(x.size());
  for (float p : {0.1f, 0.5f, 0.75f}) {
    dropout_rows(shape_of(width, ScoreType::f32, p, 7), x.data(), y.data(), 0, rows);
    const double zeros = static_cast<double>(std::count(y.begin(), y.end(), 0.0f)) / static_cast<double>(y.size());
    EXPECT_NEAR(zeros, p, 0.005) << p;
    double total = 0.0;
    for (float v : y) total += v;
    EXPECT_NEAR(total / static_cast<double>(y.size()), 1.0, 0.01) << "the kept values are scaled by 1 / (1 - p)";
  }
}

TEST(RowDropout, VectorKernelMatchesThePortableOneBitForBit) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) GTEST_SKIP() << "no AVX2 + FMA";
  for (int64_t width : {1, 7, 8, 13, 64, 257}) {
    const int64_t rows = 9;
    const auto x = random_values(width * rows, static_cast<uint32_t>(width));
    for (ScoreType type : {ScoreType::f32, ScoreType::bf16}) {
      const auto s = shape_of(width, type, 0.1f, 1234);
      if (type == ScoreType::f32) {
        std::vector<float> a(x.size()), b(x.size());
        detail::dropout_rows_scalar(s, x.data(), a.data(), 0, rows);
        detail::dropout_rows_avx2_fma(s, x.data(), b.data(), 0, rows);
        EXPECT_EQ(a, b) << "width " << width;
      } else {
        std::vector<uint16_t> h(x.size()), a(x.size()), b(x.size());
        std::transform(x.begin(), x.end(), h.begin(), to_bf16);
        detail::dropout_rows_scalar(s, h.data(), a.data(), 0, rows);
        detail::dropout_rows_avx2_fma(s, h.data(), b.data(), 0, rows);
        EXPECT_EQ(a, b) << "bf16, width " << width;
      }
    }
  }
#else
  GTEST_SKIP() << "not x86-64";
#endif
}

TEST(RowDropout, AMaskDependsOnTheSeedAndTheRowOnly) {
  const int64_t width = 40, rows = 50;
  const auto x = random_values(width * rows, 3);
  const auto s = shape_of(width, ScoreType::f32, 0.5f, 5);
  std::vector<float> whole(x.size()), split(x.size()), other(x.size());
  dropout_rows(s, x.data(), whole.data(), 0, rows);
  dropout_rows(s, x.data(), split.data(), 0, 17);  // as two threads would share the rows
  dropout_rows(s, x.data(), split.data(), 17, rows);
  EXPECT_EQ(whole, split);
  dropout_rows(shape_of(width, ScoreType::f32, 0.5f, 6), x.data(), other.data(), 0, rows);
  EXPECT_NE(whole, other);
  // In place, as the backward pass may be called.
  std::vector<float> in_place = x;
  dropout_rows(s, in_place.data(), in_place.data(), 0, rows);
  EXPECT_EQ(whole, in_place);
  // Rows of one call differ from each other: the row is part of the hash.
  int same = 0;
  for (int64_t j = 0; j < width; ++j)
    same += (whole[static_cast<size_t>(j)] == 0.0f) == (whole[static_cast<size_t>(width + j)] == 0.0f);
  EXPECT_LT(same, width);
}

}  // namespace
}  // namespace row_dropout
}  // namespace emopiano::kernels
