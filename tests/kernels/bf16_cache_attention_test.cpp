// Attention over a bf16 K/V cache against a double-precision softmax
// attention over the same (rounded) keys and values.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/bf16.hpp"
#include "kernels/bf16_cache_attention.hpp"

namespace emopiano::kernels {
namespace {

TEST(Bf16CacheAttention, MatchesADoubleAttentionAndWritesTheNewKeyAndValue) {
  const int64_t B = 2, H = 3, D = 20, capacity = 11;  // D not a multiple of the 16 lanes
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t past : {static_cast<int64_t>(0), static_cast<int64_t>(1), static_cast<int64_t>(6), capacity - 1}) {
    std::vector<uint16_t> keys(static_cast<size_t>(B * H * capacity * D)), values(keys.size());
    for (auto& k : keys) k = to_bf16(normal(rng));
    for (auto& v : values) v = to_bf16(normal(rng));
    const int64_t qkv_stride = 3 * H * D + 5, out_stride = H * D + 2;
    std::vector<float> qkv(static_cast<size_t>(B * qkv_stride)), out(static_cast<size_t>(B * out_stride), -9.0f);
    for (auto& x : qkv) x = 2.0f * normal(rng);
    bf16_cache_attention(qkv.data(), qkv_stride, B, H, D, keys.data(), values.data(), capacity, past, out.data(),
                         out_stride);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t h = 0; h < H; ++h) {
        const float* q = qkv.data() + b * qkv_stride + h * D;
        const uint16_t* k = keys.data() + (b * H + h) * capacity * D;
        const uint16_t* v = values.data() + (b * H + h) * capacity * D;
        for (int64_t d = 0; d < D; ++d) {
          ASSERT_EQ(k[past * D + d], to_bf16(qkv[static_cast<size_t>(b * qkv_stride + H * D + h * D + d)]));
          ASSERT_EQ(v[past * D + d], to_bf16(qkv[static_cast<size_t>(b * qkv_stride + 2 * H * D + h * D + d)]));
        }
        std::vector<double> w(static_cast<size_t>(past + 1));
        double top = -1e300, total = 0;
        for (int64_t s = 0; s <= past; ++s) {
          double dot = 0;
          for (int64_t d = 0; d < D; ++d) dot += static_cast<double>(q[d]) * from_bf16(k[s * D + d]);
          w[static_cast<size_t>(s)] = dot / std::sqrt(static_cast<double>(D));
          top = std::max(top, w[static_cast<size_t>(s)]);
        }
        for (auto& x : w) total += (x = std::exp(x - top));
        for (int64_t d = 0; d < D; ++d) {
          double want = 0;
          for (int64_t s = 0; s <= past; ++s) want += w[static_cast<size_t>(s)] / total * from_bf16(v[s * D + d]);
          ASSERT_NEAR(out[static_cast<size_t>(b * out_stride + h * D + d)], want, 1e-5 * (1 + std::fabs(want)))
              << "past " << past << " b " << b << " h " << h << " d " << d;
        }
      }
      for (int64_t i = H * D; i < out_stride; ++i) EXPECT_EQ(out[static_cast<size_t>(b * out_stride + i)], -9.0f);
    }
  }
}

}  // namespace
}  // namespace emopiano::kernels
