// Attention over a bf16 K/V cache, with every kernel this CPU runs, against
// a double-precision softmax attention over the same (rounded) keys and
// values: head sizes that are and are not multiples of the vector widths,
// positions from the first to 2,048, and scores sharp enough that most
// exponentials underflow.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kernels/bf16.hpp"
#include "kernels/bf16_cache_attention.hpp"
#include "kernels/key_panels.hpp"

namespace emopiano::kernels {
namespace {

const GemvIsa kEveryIsa[] = {GemvIsa::scalar, GemvIsa::avx2_fma, GemvIsa::avx512f, GemvIsa::avx512_bf16};

struct Shape {
  int64_t B, H, D, capacity, KVH = 0;  // KVH 0: one K/V head per query head
};

// Runs one step at `past` with random cache contents and checks the new key
// and value written at `past` and every output against the double result.
void check(GemvIsa isa, const Shape& shape, int64_t past, float q_scale, uint32_t seed) {
  const auto [B, H, D, capacity, kv_heads] = shape;
  const int64_t KVH = kv_heads > 0 ? kv_heads : H, group = H / KVH;
  SCOPED_TRACE(testing::Message() << bf16_cache_attention_kernel_name(isa) << " B " << B << " H " << H << " KVH " << KVH
                                  << " D " << D << " past " << past << " q scale " << q_scale);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // Keys in panels (with the pad of an odd D and the positions past the
  // capacity in the last panel random too); values in rows.
  const int64_t key_head = key_head_values(capacity, D);
  std::vector<uint16_t> keys(static_cast<size_t>(B * KVH * key_head)),
      values(static_cast<size_t>(B * KVH * capacity * D));
  for (auto& k : keys) k = to_bf16(normal(rng));
  for (auto& v : values) v = to_bf16(normal(rng));
  const int64_t qkv_stride = (H + 2 * KVH) * D + 5, out_stride = H * D + 2;
  std::vector<float> qkv(static_cast<size_t>(B * qkv_stride)), out(static_cast<size_t>(B * out_stride), -9.0f);
  for (auto& x : qkv) x = q_scale * normal(rng);
  bf16_cache_attention(isa, qkv.data(), qkv_stride, B, H, KVH, D, keys.data(), values.data(), capacity, past,
                       out.data(), out_stride);
  // The AVX-512 BF16 kernel scores with q rounded to bf16 (as the bf16 GEMV
  // rounds its input); the others with q as it is.
  const bool q_in_bf16 = std::string(bf16_cache_attention_kernel_name(isa)) == "avx512_bf16";
  auto query = [q_in_bf16](float x) { return q_in_bf16 ? static_cast<double>(from_bf16(to_bf16(x))) : double{x}; };
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      const int64_t kv = h / group;  // the K/V head this query head reads
      const float* q = qkv.data() + b * qkv_stride + h * D;
      const uint16_t* k = keys.data() + (b * KVH + kv) * key_head;
      const uint16_t* v = values.data() + (b * KVH + kv) * capacity * D;
      for (int64_t d = 0; d < D; ++d) {
        ASSERT_EQ(k[key_index(past, d, D)], to_bf16(qkv[static_cast<size_t>(b * qkv_stride + H * D + kv * D + d)]));
        ASSERT_EQ(v[past * D + d], to_bf16(qkv[static_cast<size_t>(b * qkv_stride + (H + KVH) * D + kv * D + d)]));
      }
      std::vector<double> w(static_cast<size_t>(past + 1));
      double top = -1e300, total = 0;
      for (int64_t s = 0; s <= past; ++s) {
        double dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += query(q[d]) * read_key(k, s, d, D);
        w[static_cast<size_t>(s)] = dot / std::sqrt(static_cast<double>(D));
        top = std::max(top, w[static_cast<size_t>(s)]);
      }
      for (auto& x : w) total += (x = std::exp(x - top));
      for (int64_t d = 0; d < D; ++d) {
        double want = 0, weighted_size = 0;
        for (int64_t s = 0; s <= past; ++s) {
          want += w[static_cast<size_t>(s)] / total * from_bf16(v[s * D + d]);
          weighted_size += w[static_cast<size_t>(s)] / total * std::fabs(from_bf16(v[s * D + d]));
        }
        // It also rounds each softmax weight to bf16: each off by at most
        // 2^-8 of itself, the sum by at most 2^-8 of sum w |v|.
        const double rounding = q_in_bf16 ? weighted_size / 256 : 0.0;
        ASSERT_NEAR(out[static_cast<size_t>(b * out_stride + h * D + d)], want, 1e-5 * (1 + std::fabs(want)) + rounding)
            << "b " << b << " h " << h << " d " << d;
      }
    }
    for (int64_t i = H * D; i < out_stride; ++i) EXPECT_EQ(out[static_cast<size_t>(b * out_stride + i)], -9.0f);
  }
}

TEST(Bf16CacheAttention, EveryKernelMatchesADoubleAttentionOnOddHeadSizes) {
  std::set<std::string> ran;
  for (GemvIsa isa : kEveryIsa) {
    if (!gemv_isa_supported(isa)) continue;
    ran.insert(bf16_cache_attention_kernel_name(isa));
    // D not a multiple of 8, 16 or 32 lanes; D smaller than one vector.
    for (const Shape& shape : {Shape{2, 3, 20, 11}, Shape{1, 2, 7, 40}, Shape{2, 1, 33, 40}, Shape{1, 3, 100, 40}}) {
      for (int64_t past : {int64_t{0}, int64_t{1}, int64_t{6}, int64_t{8}, int64_t{17}, shape.capacity - 1}) {
        if (past >= shape.capacity) continue;
        check(isa, shape, past, 2.0f, static_cast<uint32_t>(shape.D * 1000 + past));
      }
    }
  }
  EXPECT_TRUE(ran.count("scalar"));
}

TEST(Bf16CacheAttention, EveryKernelMatchesADoubleAttentionTo2048Positions) {
  const Shape shape{2, 4, 64, 2048};  // the bundled model's heads, with a longer context
  for (GemvIsa isa : kEveryIsa) {
    if (!gemv_isa_supported(isa)) continue;
    for (int64_t past : {int64_t{15}, int64_t{16}, int64_t{511}, int64_t{1000}, int64_t{2047}}) {
      check(isa, shape, past, 1.0f, static_cast<uint32_t>(past));
    }
  }
}

TEST(Bf16CacheAttention, GroupedQueryHeadsShareTheirKeyValueHead) {
  // Four query heads on two K/V heads and on one (multi-query), over a
  // context of 2,048 as the long-context measurements use.
  for (GemvIsa isa : kEveryIsa) {
    if (!gemv_isa_supported(isa)) continue;
    for (int64_t kv_heads : {int64_t{2}, int64_t{1}}) {
      for (int64_t past : {int64_t{0}, int64_t{17}, int64_t{2047}})
        check(isa, Shape{2, 4, 64, 2048, kv_heads}, past, 1.0f, static_cast<uint32_t>(past + kv_heads));
      check(isa, Shape{1, 6, 20, 40, kv_heads * 3}, 39, 2.0f, 5);  // D under one vector, 2 and 1 per group
    }
    // Groups of 3 and of 8 (the AVX-512 kernel takes four, then two, then
    // one query at a time), D over two 32-value chunks, S not a multiple of 16.
    for (int64_t past : {int64_t{0}, int64_t{5}, int64_t{98}}) {
      check(isa, Shape{2, 6, 20, 100, 2}, past, 2.0f, static_cast<uint32_t>(past + 30));
      check(isa, Shape{1, 8, 100, 100, 1}, past, 1.0f, static_cast<uint32_t>(past + 40));
    }
  }
}

TEST(Bf16CacheAttention, EveryKernelKeepsASharpSoftmaxExact) {
  // Scores hundreds apart: nearly every exponential underflows.
  for (GemvIsa isa : kEveryIsa) {
    if (!gemv_isa_supported(isa)) continue;
    for (int64_t past : {int64_t{3}, int64_t{300}}) check(isa, Shape{1, 2, 64, 512}, past, 40.0f, 77);
  }
}

TEST(Bf16CacheAttention, ARowGivesTheSameAloneAsInABatch) {
  const int64_t H = 4, D = 64, capacity = 300, past = 257, C = H * D;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (GemvIsa isa : kEveryIsa) {
    if (!gemv_isa_supported(isa)) continue;
    const int64_t key_head = key_head_values(capacity, D);
    std::vector<uint16_t> keys(static_cast<size_t>(2 * H * key_head)),
        values(static_cast<size_t>(2 * H * capacity * D));
    for (auto& k : keys) k = to_bf16(normal(rng));
    for (auto& v : values) v = to_bf16(normal(rng));
    std::vector<float> qkv(static_cast<size_t>(2 * 3 * C)), both(static_cast<size_t>(2 * C)),
        alone(static_cast<size_t>(C));
    for (auto& x : qkv) x = normal(rng);
    auto keys_alone = std::vector<uint16_t>(keys.begin() + H * key_head, keys.end());
    auto values_alone = std::vector<uint16_t>(values.begin() + H * capacity * D, values.end());
    bf16_cache_attention(isa, qkv.data(), 3 * C, 2, H, H, D, keys.data(), values.data(), capacity, past, both.data(),
                         C);
    bf16_cache_attention(isa, qkv.data() + 3 * C, 3 * C, 1, H, H, D, keys_alone.data(), values_alone.data(), capacity,
                         past, alone.data(), C);
    for (int64_t i = 0; i < C; ++i) {
      ASSERT_EQ(both[static_cast<size_t>(C + i)], alone[static_cast<size_t>(i)])
          << bf16_cache_attention_kernel_name(isa);
    }
  }
}

TEST(Bf16CacheAttention, TheDefaultRunsTheChosenKernel) {
  // The overload without an instruction set follows gemv_isa().
  const int64_t H = 2, D = 40, capacity = 70, past = 69;
  std::mt19937 rng(8);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<uint16_t> keys(static_cast<size_t>(H * key_head_values(capacity, D))),
      values(static_cast<size_t>(H * capacity * D));
  for (auto& k : keys) k = to_bf16(normal(rng));
  for (auto& v : values) v = to_bf16(normal(rng));
  std::vector<float> qkv(static_cast<size_t>(3 * H * D)), chosen(static_cast<size_t>(H * D)), forced(chosen.size());
  for (auto& x : qkv) x = normal(rng);
  auto keys_copy = keys, values_copy = values;
  bf16_cache_attention(qkv.data(), 3 * H * D, 1, H, H, D, keys.data(), values.data(), capacity, past, chosen.data(),
                       H * D);
  bf16_cache_attention(gemv_isa(), qkv.data(), 3 * H * D, 1, H, H, D, keys_copy.data(), values_copy.data(), capacity,
                       past, forced.data(), H * D);
  EXPECT_EQ(chosen, forced);
}

}  // namespace
}  // namespace emopiano::kernels
