// The int8 K/V cache: its row format, and attention over it with every
// kernel this CPU runs against a double-precision attention over the same
// (quantised) keys and values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kernels/int8_cache_attention.hpp"
#include "kernels/int8_cache_rows.hpp"

namespace emopiano::kernels {
namespace int8_cache {
namespace {

const GemvIsa kEveryIsa[] = {GemvIsa::scalar, GemvIsa::avx2_fma, GemvIsa::avx512f, GemvIsa::avx512_bf16};

double dequantised(const int8_t* row, int64_t D, int64_t d) {
  return static_cast<double>(int8_row_scale(row, D)) * static_cast<double>(row[d]);
}

TEST(Int8CacheRows, KeepEveryValueWithinHalfAStepOfItsRowsScale) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (int64_t D : {1, 7, 64, 100}) {
    std::vector<float> x(static_cast<size_t>(D));
    for (auto& v : x) v = normal(rng);
    std::vector<int8_t> row(static_cast<size_t>(int8_row_bytes(D)));
    quantize_int8_row(x.data(), D, row.data());
    float top = 0.0f;
    for (float v : x) top = std::max(top, std::fabs(v));
    EXPECT_FLOAT_EQ(int8_row_scale(row.data(), D), top / 127.0f);
    for (int64_t d = 0; d < D; ++d) {
      EXPECT_NEAR(dequantised(row.data(), D, d), x[static_cast<size_t>(d)], top / 254.0 * (1 + 1e-6)) << d;
    }
    // The largest value is exact up to the float rounding of its scale.
    const auto at = std::max_element(x.begin(), x.end(), [](float a, float b) { return std::fabs(a) < std::fabs(b); });
    EXPECT_EQ(std::abs(row[static_cast<size_t>(at - x.begin())]), 127);
  }
}

TEST(Int8CacheRows, AZeroRowIsZeroAndANonFiniteRowReadsAsNaN) {
  std::vector<float> zeros(8, 0.0f), bad(8, 1.0f);
  bad[3] = std::nanf("");
  std::vector<int8_t> row(static_cast<size_t>(int8_row_bytes(8)));
  quantize_int8_row(zeros.data(), 8, row.data());
  EXPECT_EQ(int8_row_scale(row.data(), 8), 0.0f);
  for (int d = 0; d < 8; ++d) EXPECT_EQ(row[static_cast<size_t>(d)], 0);
  quantize_int8_row(bad.data(), 8, row.data());
  EXPECT_TRUE(std::isnan(int8_row_scale(row.data(), 8)));
  bad[3] = INFINITY;
  quantize_int8_row(bad.data(), 8, row.data());
  EXPECT_TRUE(std::isnan(int8_row_scale(row.data(), 8)));
}

struct Shape {
  int64_t B, H, D, capacity, KVH = 0;  // KVH 0: one K/V head per query head
};

// One step at `past` over random cache rows: the new key and value are
// written as quantize_int8_row writes them, and every output matches the
// double attention over what the rows hold.
void check(GemvIsa isa, const Shape& shape, int64_t past, float q_scale, uint32_t seed) {
  const auto [B, H, D, capacity, kv_heads] = shape;
  const int64_t R = int8_row_bytes(D), KVH = kv_heads > 0 ? kv_heads : H, group = H / KVH;
  SCOPED_TRACE(testing::Message() << int8_cache_attention_kernel_name(isa) << " B " << B << " H " << H << " KVH " << KVH
                                  << " D " << D << " past " << past);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<int8_t> keys(static_cast<size_t>(B * KVH * capacity * R)), values(keys.size());
  std::vector<float> scratch(static_cast<size_t>(D));
  for (int64_t r = 0; r < B * KVH * capacity; ++r) {
    for (auto& v : scratch) v = normal(rng);
    quantize_int8_row(scratch.data(), D, keys.data() + r * R);
    for (auto& v : scratch) v = normal(rng);
    quantize_int8_row(scratch.data(), D, values.data() + r * R);
  }
  const int64_t qkv_stride = (H + 2 * KVH) * D + 5, out_stride = H * D + 2;
  std::vector<float> qkv(static_cast<size_t>(B * qkv_stride)), out(static_cast<size_t>(B * out_stride), -9.0f);
  for (auto& x : qkv) x = q_scale * normal(rng);
  int8_cache_attention(isa, qkv.data(), qkv_stride, B, H, KVH, D, keys.data(), values.data(), capacity, past,
                       out.data(), out_stride);
  std::vector<int8_t> expected(static_cast<size_t>(R));
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      const int64_t kv = h / group;  // the K/V head this query head reads
      const float* q = qkv.data() + b * qkv_stride + h * D;
      const int8_t* k = keys.data() + (b * KVH + kv) * capacity * R;
      const int8_t* v = values.data() + (b * KVH + kv) * capacity * R;
      quantize_int8_row(qkv.data() + b * qkv_stride + H * D + kv * D, D, expected.data());
      ASSERT_TRUE(std::equal(expected.begin(), expected.end(), k + past * R));
      quantize_int8_row(qkv.data() + b * qkv_stride + (H + KVH) * D + kv * D, D, expected.data());
      ASSERT_TRUE(std::equal(expected.begin(), expected.end(), v + past * R));
      std::vector<double> w(static_cast<size_t>(past + 1));
      double top = -1e300, total = 0;
      for (int64_t s = 0; s <= past; ++s) {
        double dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += static_cast<double>(q[d]) * dequantised(k + s * R, D, d);
        w[static_cast<size_t>(s)] = dot / std::sqrt(static_cast<double>(D));
        top = std::max(top, w[static_cast<size_t>(s)]);
      }
      for (auto& x : w) total += (x = std::exp(x - top));
      for (int64_t d = 0; d < D; ++d) {
        double want = 0;
        for (int64_t s = 0; s <= past; ++s) want += w[static_cast<size_t>(s)] / total * dequantised(v + s * R, D, d);
        ASSERT_NEAR(out[static_cast<size_t>(b * out_stride + h * D + d)], want, 1e-5 * (1 + std::fabs(want)))
            << "b " << b << " h " << h << " d " << d;
      }
    }
    for (int64_t i = H * D; i < out_stride; ++i) EXPECT_EQ(out[static_cast<size_t>(b * out_stride + i)], -9.0f);
  }
}

TEST(Int8CacheAttention, EveryKernelMatchesADoubleAttentionOnOddHeadSizes) {
  std::set<std::string> ran;
  for (GemvIsa isa : kEveryIsa) {
    if (!gemv_isa_supported(isa)) continue;
    ran.insert(int8_cache_attention_kernel_name(isa));
    for (const Shape& shape : {Shape{2, 3, 20, 11}, Shape{1, 2, 7, 40}, Shape{2, 1, 33, 40}, Shape{1, 3, 100, 40}}) {
      for (int64_t past : {int64_t{0}, int64_t{1}, int64_t{6}, int64_t{17}, shape.capacity - 1}) {
        if (past >= shape.capacity) continue;
        check(isa, shape, past, 2.0f, static_cast<uint32_t>(shape.D * 1000 + past));
      }
    }
  }
  EXPECT_TRUE(ran.count("scalar"));
  // A CPU with AVX2 runs a vector kernel, not the portable one.
  if (gemv_isa_supported(GemvIsa::avx2_fma)) EXPECT_TRUE(ran.count("avx2_fma"));
}

TEST(Int8CacheAttention, EveryKernelMatchesADoubleAttentionTo2048PositionsAndSharpScores) {
  for (GemvIsa isa : kEveryIsa) {
    if (!gemv_isa_supported(isa)) continue;
    for (int64_t past : {int64_t{15}, int64_t{16}, int64_t{511}, int64_t{2047}}) {
      check(isa, Shape{2, 4, 64, 2048}, past, 1.0f, static_cast<uint32_t>(past));
    }
    check(isa, Shape{1, 2, 64, 512}, 300, 40.0f, 77);  // most exponentials underflow
  }
}

TEST(Int8CacheAttention, GroupedQueryHeadsShareTheirKeyValueHead) {
  for (GemvIsa isa : kEveryIsa) {
    if (!gemv_isa_supported(isa)) continue;
    for (int64_t kv_heads : {int64_t{2}, int64_t{1}}) {
      for (int64_t past : {int64_t{0}, int64_t{17}, int64_t{2047}})
        check(isa, Shape{2, 4, 64, 2048, kv_heads}, past, 1.0f, static_cast<uint32_t>(past + kv_heads));
      check(isa, Shape{1, 6, 20, 40, kv_heads * 3}, 39, 2.0f, 5);
    }
  }
}

TEST(Int8CacheAttention, ARowGivesTheSameAloneAsInABatch) {
  const int64_t H = 4, D = 64, capacity = 300, past = 257, C = H * D, R = int8_row_bytes(D);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (GemvIsa isa : kEveryIsa) {
    if (!gemv_isa_supported(isa)) continue;
    std::vector<int8_t> keys(static_cast<size_t>(2 * H * capacity * R)), values(keys.size());
    std::vector<float> row(static_cast<size_t>(D));
    for (int64_t r = 0; r < 2 * H * capacity; ++r) {
      for (auto& v : row) v = normal(rng);
      quantize_int8_row(row.data(), D, keys.data() + r * R);
      quantize_int8_row(row.data(), D, values.data() + r * R);
    }
    std::vector<float> qkv(static_cast<size_t>(2 * 3 * C)), both(static_cast<size_t>(2 * C)),
        alone(static_cast<size_t>(C));
    for (auto& x : qkv) x = normal(rng);
    auto keys_alone = std::vector<int8_t>(keys.begin() + H * capacity * R, keys.end());
    auto values_alone = std::vector<int8_t>(values.begin() + H * capacity * R, values.end());
    int8_cache_attention(isa, qkv.data(), 3 * C, 2, H, H, D, keys.data(), values.data(), capacity, past, both.data(),
                         C);
    int8_cache_attention(isa, qkv.data() + 3 * C, 3 * C, 1, H, H, D, keys_alone.data(), values_alone.data(), capacity,
                         past, alone.data(), C);
    for (int64_t i = 0; i < C; ++i) {
      ASSERT_EQ(both[static_cast<size_t>(C + i)], alone[static_cast<size_t>(i)])
          << int8_cache_attention_kernel_name(isa);
    }
  }
}

}  // namespace
}  // namespace int8_cache
}  // namespace emopiano::kernels
