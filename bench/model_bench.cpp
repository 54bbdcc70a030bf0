// The network's full (training-path) forward in inference: tokens/s.
#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "core/impl_access.hpp"
#include "model/model_impl.hpp"
#include "model/torch_runtime.hpp"
#include "model_support.hpp"

namespace emopiano::bench {
namespace {

// args: batch, threads, bf16
void BM_ModelForward(benchmark::State& state) {
  const int64_t B = state.range(0), T = 512;
  set_compute_threads(static_cast<int>(state.range(1)));
  const Model model = Model::load(bundled_model_path());
  auto& net = *impl_of(model).net;
  const auto in = random_inputs(model, B, T);
  c10::InferenceMode inference;
  const bool bf16 = state.range(2) != 0;
  for (auto _ : state) {
    detail::Bf16Autocast autocast(bf16);
    benchmark::DoNotOptimize(net.forward(in.tokens, in.bars, in.positions, in.emotion));
  }
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(B * T * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(forward_flops(model.config(), model.tokenizer().vocab_size(), B, T) *
                                                     static_cast<double>(state.iterations()) / 1e9,
                                                 benchmark::Counter::kIsRate);
  state.SetLabel("load " + load_average());
}
BENCHMARK(BM_ModelForward)
    ->ArgNames({"batch", "threads", "bf16"})
    ->Args({1, 1, 0})
    ->Args({8, 1, 0})
    ->Args({8, 2, 0})
    ->Args({8, 2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace emopiano::bench
