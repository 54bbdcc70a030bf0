// The machine's matrix-product peak through LibTorch: 2048^3 torch::mm in
// float32 (OpenBLAS; its kernel follows OPENBLAS_CORETYPE) and bfloat16
// (oneDNN on AVX-512 BF16 / AMX). The training step's GFLOP/s is a fraction
// of the best of these.
#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "emopiano/sampler.hpp"  // set_compute_threads
#include "model/torch_runtime.hpp"

namespace emopiano::bench {
namespace {

// args: bf16, threads
void BM_MatmulPeak(benchmark::State& state) {
  const int64_t n = 2048;
  const bool bf16 = state.range(0) != 0;
  set_compute_threads(static_cast<int>(state.range(1)));
  const auto dtype = bf16 ? torch::kBFloat16 : torch::kFloat;
  auto a = torch::randn({n, n}).to(dtype), b = torch::randn({n, n}).to(dtype);
  auto c = torch::mm(a, b);  // warm-up
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state) {
    torch::mm_out(c, a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.counters["GFLOP/core_s"] =
      2.0 * n * n * n * static_cast<double>(state.iterations()) / 1e9 / (process_cpu_seconds() - cpu_start);
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * n * n * n * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(std::string(bf16 ? "bf16 " : "fp32 ") + detail::cpu_features().describe() + " load " + load_average());
}
BENCHMARK(BM_MatmulPeak)
    ->ArgNames({"bf16", "threads"})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
}  // namespace emopiano::bench
