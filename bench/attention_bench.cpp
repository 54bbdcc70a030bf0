// The single-query attention kernels over a bf16 and an int8 K/V cache, one
// step of the bundled model's shape (4 heads of 64, one sequence), with
// every kernel this CPU runs: each kernel's time per step and the cache bytes
// it reads per second. Arguments: instruction set (GemvIsa), cache (0 bf16,
// 1 int8), positions attended, K/V heads for the 4 query heads (4: one
// each; 2 or 1: grouped-query attention).
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/bf16.hpp"
#include "kernels/bf16_cache_attention.hpp"
#include "kernels/int8_cache_attention.hpp"
#include "kernels/int8_cache_rows.hpp"
#include "kernels/key_panels.hpp"

namespace emopiano::bench {
namespace {

constexpr int64_t kHeads = 4, kHeadSize = 64, kCapacity = 2048;

void BM_CacheAttention(benchmark::State& state) {
  const auto isa = static_cast<kernels::GemvIsa>(state.range(0));
  const bool int8 = state.range(1) == 1;
  const int64_t past = state.range(2), H = kHeads, KVH = state.range(3), D = kHeadSize, C = H * D;
  const int64_t width = C + 2 * KVH * D;  // a token's queries, keys and values
  if (!kernels::gemv_isa_supported(isa)) return state.SkipWithError("this CPU does not run that instruction set");
  state.SetLabel(std::string(int8 ? "int8 " : "bf16 ") + (int8 ? kernels::int8_cache_attention_kernel_name(isa)
                                                               : kernels::bf16_cache_attention_kernel_name(isa)));
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> qkv(static_cast<size_t>(width)), out(static_cast<size_t>(C)), row(static_cast<size_t>(D));
  for (auto& x : qkv) x = normal(rng);
  const int64_t R = kernels::int8_row_bytes(D);
  std::vector<uint16_t> bf16_keys, bf16_values;
  std::vector<int8_t> int8_keys, int8_values;
  if (int8) {
    int8_keys.resize(static_cast<size_t>(KVH * kCapacity * R));
    int8_values.resize(int8_keys.size());
    for (int64_t r = 0; r < KVH * kCapacity; ++r) {
      for (auto& x : row) x = normal(rng);
      kernels::quantize_int8_row(row.data(), D, int8_keys.data() + r * R);
      for (auto& x : row) x = normal(rng);
      kernels::quantize_int8_row(row.data(), D, int8_values.data() + r * R);
    }
  } else {
    bf16_keys.resize(static_cast<size_t>(KVH * kernels::key_head_values(kCapacity, D)));
    bf16_values.resize(static_cast<size_t>(KVH * kCapacity * D));
    for (auto& x : bf16_keys) x = kernels::to_bf16(normal(rng));
    for (auto& x : bf16_values) x = kernels::to_bf16(normal(rng));
  }
  for (auto _ : state) {
    if (int8) {
      kernels::int8_cache_attention(isa, qkv.data(), width, 1, H, KVH, D, int8_keys.data(), int8_values.data(),
                                    kCapacity, past, out.data(), C);
    } else {
      kernels::bf16_cache_attention(isa, qkv.data(), width, 1, H, KVH, D, bf16_keys.data(), bf16_values.data(),
                                    kCapacity, past, out.data(), C);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const double bytes_per_step = static_cast<double>(2 * KVH * (past + 1) * (int8 ? R : 2 * D));
  state.counters["cache_bytes/s"] = benchmark::Counter(bytes_per_step * static_cast<double>(state.iterations()),
                                                       benchmark::Counter::kIsRate, benchmark::Counter::kIs1024);
}

void attention_args(benchmark::internal::Benchmark* b) {
  for (auto isa : {kernels::GemvIsa::scalar, kernels::GemvIsa::avx2_fma, kernels::GemvIsa::avx512f,
                   kernels::GemvIsa::avx512_bf16}) {
    for (int64_t storage : {0, 1}) {
      if (storage == 1 && isa == kernels::GemvIsa::avx512_bf16) continue;  // the int8 cache has no bf16 kernel
      for (int64_t past : {511, 2047}) {
        for (int64_t kv_heads : {4, 1}) b->Args({static_cast<int64_t>(isa), storage, past, kv_heads});
      }
    }
  }
}
BENCHMARK(BM_CacheAttention)
    ->Apply(attention_args)
    ->ArgNames({"isa", "int8", "past", "kv_heads"})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace emopiano::bench
