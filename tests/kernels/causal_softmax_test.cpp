// The fused causal softmax kernels against a double-precision reference:
// every visible key's probability and gradient, exact zeros beyond them,
// float32 and bf16 rows, widths that are not a multiple of the vector, rows
// of a prompt chunk (past > 0), and the vector kernel against the portable one;
// the dropout they apply: its mask is the same in both, it drops the share it
// is asked to, independently of place and seed, and the gradient follows it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/bf16.hpp"
#include "kernels/causal_softmax.hpp"

namespace emopiano::kernels {
namespace causal_softmax {
namespace {

struct Case {
  int64_t batch, queries, width, past;
};
// Training (past 0, square), a prompt chunk after a cached prefix, one query.
const Case kCases[] = {{3, 37, 37, 0}, {2, 5, 45, 40}, {2, 1, 17, 16}, {1, 64, 64, 0}, {1, 9, 130, 121}};

std::vector<float> random_rows(int64_t n, uint32_t seed, float spread) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, spread);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = normal(rng);
  return v;
}

std::vector<uint16_t> to_bf16_rows(const std::vector<float>& v) {
  std::vector<uint16_t> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), to_bf16);
  return out;
}

std::vector<float> from_bf16_rows(const std::vector<uint16_t>& v) {
  std::vector<float> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), from_bf16);
  return out;
}

// Keys the query of row r sees, written out here rather than taken from
// CausalRows::visible, which the kernels use.
int64_t seen(const CausalRows& s, int64_t r) { return std::min(s.width, s.past + r % s.queries + 1); }

// The reference: softmax and its gradient in double over each row's visible keys.
void reference(const CausalRows& s, const std::vector<float>& x, const std::vector<float>& g, std::vector<double>& p,
               std::vector<double>& dx) {
  const int64_t rows = static_cast<int64_t>(x.size()) / s.width;
  p.assign(x.size(), 0.0);
  dx.assign(x.size(), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t base = r * s.width, n = seen(s, r);
    double top = -INFINITY, total = 0.0, dot = 0.0;
    for (int64_t j = 0; j < n; ++j) top = std::max(top, static_cast<double>(s.scale) * x[base + j]);
    for (int64_t j = 0; j < n; ++j) total += p[base + j] = std::exp(static_cast<double>(s.scale) * x[base + j] - top);
    for (int64_t j = 0; j < n; ++j) dot += (p[base + j] /= total) * g[base + j];
    for (int64_t j = 0; j < n; ++j) dx[base + j] = static_cast<double>(s.scale) * p[base + j] * (g[base + j] - dot);
  }
}

using Forward = detail::CausalSoftmaxForward;
using Backward = detail::CausalSoftmaxBackward;

struct Kernel {
  const char* name;
  Forward forward;
  Backward backward;
};

std::vector<Kernel> kernels_of_this_cpu() {
  std::vector<Kernel> out{{"scalar", detail::causal_softmax_forward_scalar, detail::causal_softmax_backward_scalar}};
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    out.push_back({"avx2_fma", detail::causal_softmax_forward_avx2_fma, detail::causal_softmax_backward_avx2_fma});
#endif
  return out;
}

CausalRows shape_of(const Case& c, ScoreType type) {
  CausalRows s;
  s.width = c.width;
  s.queries = c.queries;
  s.past = c.past;
  s.type = type;
  s.scale = 0.125f;
  return s;
}

TEST(CausalSoftmaxKernel, Float32MatchesTheReferenceAndZeroesWhatAQueryMayNotSee) {
  for (const Kernel& k : kernels_of_this_cpu()) {
    for (const Case& c : kCases) {
      const CausalRows s = shape_of(c, ScoreType::f32);
      const int64_t rows = c.batch * c.queries, n = rows * c.width;
      const auto x = random_rows(n, 1, 8.0f), g = random_rows(n, 2, 1.0f);
      std::vector<double> p_ref, dx_ref;
      reference(s, x, g, p_ref, dx_ref);
      std::vector<float> p(n, NAN), dx(n, NAN);
      // In two ranges, as the threads split them: a row's query is its index modulo T.
      k.forward(s, x.data(), p.data(), nullptr, 0, rows / 2);
      k.forward(s, x.data(), p.data(), nullptr, rows / 2, rows);
      k.backward(s, p.data(), g.data(), dx.data(), 0, rows);
      for (int64_t r = 0; r < rows; ++r) {
        double row_total = 0.0;
        for (int64_t j = 0; j < c.width; ++j) {
          const int64_t i = r * c.width + j;
          if (j >= seen(s, r)) {
            ASSERT_EQ(p[i], 0.0f) << k.name << " row " << r << " key " << j;
            ASSERT_EQ(dx[i], 0.0f) << k.name << " row " << r << " key " << j;
            continue;
          }
          ASSERT_NEAR(p[i], p_ref[i], 2e-6 + 2e-6 * p_ref[i]) << k.name << " row " << r << " key " << j;
          ASSERT_NEAR(dx[i], dx_ref[i], 2e-6) << k.name << " row " << r << " key " << j;
          row_total += p[i];
        }
        ASSERT_NEAR(row_total, 1.0, 1e-5) << k.name << " row " << r;
      }
    }
  }
}

TEST(CausalSoftmaxKernel, Bf16RowsAreWithinOneRoundingOfTheReference) {
  for (const Kernel& k : kernels_of_this_cpu()) {
    for (const Case& c : kCases) {
      const CausalRows s = shape_of(c, ScoreType::bf16);
      const int64_t rows = c.batch * c.queries, n = rows * c.width;
      const auto x = to_bf16_rows(random_rows(n, 3, 8.0f));
      const auto g = to_bf16_rows(random_rows(n, 4, 1.0f));
      std::vector<uint16_t> p(n, 0xffff), dx(n, 0xffff);
      k.forward(s, x.data(), p.data(), nullptr, 0, rows);
      k.backward(s, p.data(), g.data(), dx.data(), 0, rows);
      // The reference reads what the kernel read: bf16 scores, and for the
      // gradient the bf16 probabilities it wrote.
      std::vector<double> p_ref, unused, dx_ref, p_again;
      reference(s, from_bf16_rows(x), from_bf16_rows(g), p_ref, unused);
      const auto pf = from_bf16_rows(p), dxf = from_bf16_rows(dx), gf = from_bf16_rows(g);
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t base = r * c.width, visible = seen(s, r);
        double dot = 0.0;
        for (int64_t j = 0; j < visible; ++j) dot += static_cast<double>(pf[base + j]) * gf[base + j];
        for (int64_t j = 0; j < c.width; ++j) {
          const int64_t i = base + j;
          if (j >= visible) {
            ASSERT_EQ(p[i], 0) << k.name;
            ASSERT_EQ(dx[i], 0) << k.name;
            continue;
          }
          // bf16 keeps 8 significant bits: half an ulp is 2^-9 of the value.
          ASSERT_NEAR(pf[i], p_ref[i], 1e-6 + p_ref[i] / 256) << k.name << " row " << r << " key " << j;
          const double want = static_cast<double>(s.scale) * pf[i] * (gf[i] - dot);
          ASSERT_NEAR(dxf[i], want, 1e-6 + std::abs(want) / 256 + 1e-4 * std::abs(pf[i]))
              << k.name << " row " << r << " key " << j;
        }
      }
    }
  }
}

TEST(CausalSoftmaxKernel, TheVectorKernelAgreesWithThePortableOneAndRunsWhereItCan) {
  const auto kernels = kernels_of_this_cpu();
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    EXPECT_STREQ(causal_softmax_kernel_name(), "avx2_fma") << "an AVX2 CPU runs the portable loops";
#endif
  if (kernels.size() < 2) GTEST_SKIP() << "this CPU has only the portable kernel";
  const Case c{2, 50, 50, 0};
  const CausalRows s = shape_of(c, ScoreType::bf16);
  const int64_t rows = c.batch * c.queries, n = rows * c.width;
  const auto x = to_bf16_rows(random_rows(n, 5, 4.0f)), g = to_bf16_rows(random_rows(n, 6, 1.0f));
  std::vector<uint16_t> p0(n), p1(n), d0(n), d1(n);
  kernels[0].forward(s, x.data(), p0.data(), nullptr, 0, rows);
  kernels[1].forward(s, x.data(), p1.data(), nullptr, 0, rows);
  kernels[0].backward(s, p0.data(), g.data(), d0.data(), 0, rows);
  kernels[1].backward(s, p0.data(), g.data(), d1.data(), 0, rows);
  int differ = 0;
  for (int64_t i = 0; i < n; ++i) {
    // The two may round a value to neighbouring bf16 numbers, no further.
    ASSERT_LE(std::abs(static_cast<int>(p0[i]) - static_cast<int>(p1[i])), 1) << i;
    ASSERT_NEAR(from_bf16(d0[i]), from_bf16(d1[i]), 1e-6 + std::abs(from_bf16(d0[i])) / 128) << i;
    differ += p0[i] != p1[i];
  }
  EXPECT_LT(differ, n / 20);
}

// Dropout: what both kernels write and pass back against the probabilities
// without it and the mask dropout_keeps gives, in float32 and bf16.
TEST(CausalSoftmaxKernel, DropoutZeroesTheMaskedValuesScalesTheRestAndMasksTheGradient) {
  for (const Kernel& k : kernels_of_this_cpu()) {
    for (const ScoreType type : {ScoreType::f32, ScoreType::bf16}) {
      const Case c{2, 40, 40, 0};
      CausalRows s = shape_of(c, type);
      const int64_t rows = c.batch * c.queries, n = rows * c.width;
      const auto xf = random_rows(n, 7, 4.0f), gf = random_rows(n, 8, 1.0f);
      const auto xb = to_bf16_rows(xf), gb = to_bf16_rows(gf);
      const bool f32 = type == ScoreType::f32;
      const void* x = f32 ? static_cast<const void*>(xf.data()) : xb.data();
      const void* g = f32 ? static_cast<const void*>(gf.data()) : gb.data();
      std::vector<float> buffers[4];
      std::vector<uint16_t> half[4];
      auto out = [&](int i) -> void* {
        buffers[i].assign(n, NAN);
        half[i].assign(n, 0xffff);
        return f32 ? static_cast<void*>(buffers[i].data()) : half[i].data();
      };
      auto value = [&](int i, int64_t at) { return f32 ? buffers[i][at] : from_bf16(half[i][at]); };
      void* plain = out(0);
      k.forward(s, x, plain, nullptr, 0, rows);
      s.drop = 0.25f;
      s.seed = 99;
      void* probs = out(2);
      void* dropped = out(3);
      k.forward(s, x, probs, dropped, 0, rows);
      // The probabilities the backward pass reads are those without dropout.
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(value(2, i), value(0, i)) << k.name << " " << i;
      int64_t kept = 0, visible_total = 0;
      for (int64_t r = 0; r < rows; ++r) {
        const uint32_t key = dropout_row_key(s.seed, r);
        for (int64_t j = 0; j < c.width; ++j) {
          const int64_t i = r * c.width + j;
          if (j >= seen(s, r)) {
            ASSERT_EQ(value(3, i), 0.0f);
            continue;
          }
          ++visible_total;
          const bool keep = dropout_keeps(dropout_threshold(s.drop), key, j);
          kept += keep;
          const float want = keep ? value(0, i) / 0.75f : 0.0f;
          ASSERT_NEAR(value(3, i), want, 1e-6 + std::abs(want) * (f32 ? 1e-6 : 1.0 / 128))
              << k.name << " row " << r << " key " << j;
        }
      }
      EXPECT_NEAR(static_cast<double>(kept) / visible_total, 0.75, 0.05) << k.name;
      // The gradient with dropout is the gradient without it of grad * mask / 0.75.
      std::vector<float> masked_f(gf.size());
      for (int64_t r = 0; r < rows; ++r) {
        const uint32_t key = dropout_row_key(s.seed, r);
        for (int64_t j = 0; j < c.width; ++j) {
          const int64_t i = r * c.width + j;
          const float gi = f32 ? gf[i] : from_bf16(gb[i]);
          masked_f[i] = dropout_keeps(dropout_threshold(s.drop), key, j) ? gi / 0.75f : 0.0f;
        }
      }
      std::vector<float> probs_f(n);
      for (int64_t i = 0; i < n; ++i) probs_f[i] = value(0, i);
      void* with_drop = out(1);
      k.backward(s, probs, g, with_drop, 0, rows);
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t base = r * c.width, visible = seen(s, r);
        double dot = 0.0;
        for (int64_t j = 0; j < visible; ++j) dot += static_cast<double>(probs_f[base + j]) * masked_f[base + j];
        for (int64_t j = 0; j < c.width; ++j) {
          const int64_t i = base + j;
          const double want = j < visible ? s.scale * probs_f[i] * (masked_f[i] - dot) : 0.0;
          ASSERT_NEAR(value(1, i), want,
                      1e-6 + std::abs(want) * (f32 ? 1e-5 : 1.0 / 128) + (f32 ? 0 : 1e-4 * probs_f[i]))
              << k.name << " row " << r << " key " << j;
        }
      }
    }
  }
}

TEST(CausalSoftmaxKernel, TheDropoutMaskIsTheSameInEveryKernelAndChangesWithTheSeed) {
  const auto kernels = kernels_of_this_cpu();
  const Case c{3, 33, 33, 0};
  CausalRows s = shape_of(c, ScoreType::f32);
  s.drop = 0.1f;
  const int64_t rows = c.batch * c.queries, n = rows * c.width;
  const auto x = random_rows(n, 9, 2.0f);
  std::vector<float> p(n), first(n), again(n), other(n);
  s.seed = 1;
  kernels.back().forward(s, x.data(), p.data(), first.data(), 0, rows);
  kernels.front().forward(s, x.data(), p.data(), again.data(), 0, rows);
  s.seed = 2;
  kernels.back().forward(s, x.data(), p.data(), other.data(), 0, rows);
  int64_t differ = 0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(first[i] == 0.0f, again[i] == 0.0f) << i;
    differ += (first[i] == 0.0f) != (other[i] == 0.0f);
  }
  // Two masks of drop 0.1 disagree at 2 * 0.1 * 0.9 = 18% of the visible values.
  EXPECT_GT(differ, n / 2 * 0.12);
}

// The mask as a random source: the share dropped, and no dependence between
// neighbouring keys, neighbouring rows or consecutive seeds, each to within
// five standard errors over a million values.
TEST(CausalSoftmaxKernel, TheDropoutMaskDropsItsShareIndependentlyOfPlace) {
  CausalRows s;
  s.drop = 0.1f;
  const int64_t rows = 1000, width = 1000;
  auto dropped = [&](uint64_t seed, int64_t r, int64_t j) {
    return !dropout_keeps(dropout_threshold(s.drop), dropout_row_key(seed, r), j);
  };
  double total = 0, next_key = 0, next_row = 0, next_seed = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < width; ++j) {
      const bool d = dropped(7, r, j);
      total += d;
      next_key += d && dropped(7, r, j + 1);
      next_row += d && dropped(7, r + 1, j);
      next_seed += d && dropped(8, r, j);
    }
  }
  const double count = static_cast<double>(rows * width), p = s.drop, pp = p * p;
  EXPECT_NEAR(total / count, p, 5 * std::sqrt(p * (1 - p) / count));
  for (const double both : {next_key, next_row, next_seed})
    EXPECT_NEAR(both / count, pp, 5 * std::sqrt(pp * (1 - pp) / count));
}

}  // namespace
}  // namespace causal_softmax
}  // namespace emopiano::kernels
