// How a generation step's cost grows with the position: one new token
// attending over P cached ones. The bundled model's context is 512, so the
// positions past it use a model of the same width created with context
// 2048 (random weights: the arithmetic does not depend on their values).
#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "core/impl_access.hpp"
#include "model/model_impl.hpp"
#include "model_support.hpp"

namespace emopiano::bench {
namespace {

const Model& long_context_model() {
  static const Model model = [] {
    const Model bundled = Model::load(bundled_model_path());
    ModelConfig c = bundled.config();
    c.context_length = 2048;
    return Model::create(c, bundled.tokenizer().config(), 1);
  }();
  return model;
}

// args: position, batch
void BM_StepAtPosition(benchmark::State& state) {
  const int64_t P = state.range(0), B = state.range(1);
  set_compute_threads(1);
  const Model& model = long_context_model();
  auto& net = *impl_of(model).net;
  c10::InferenceMode inference;
  // The prefix 0..P-1 in one chunk (not timed), then the step at P, again
  // and again: each iteration rewrites the same cache slot.
  KVCache cache;
  const auto prefix = random_inputs(model, B, P);
  net.forward_cached(prefix.tokens, prefix.bars, prefix.positions, prefix.emotion, cache);
  const auto next = random_inputs(model, B, 1, 2);
  for (auto _ : state) {
    cache.length = P;
    benchmark::DoNotOptimize(net.forward_cached(next.tokens, next.bars, next.positions, next.emotion, cache));
  }
  state.counters["us_per_step"] = benchmark::Counter(static_cast<double>(state.iterations()) * 1e-6,
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(B * state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel("load " + load_average());
}
BENCHMARK(BM_StepAtPosition)
    ->ArgNames({"position", "batch"})
    ->Args({128, 1})
    ->Args({512, 1})
    ->Args({1024, 1})
    ->Args({2047, 1})
    ->Args({128, 8})
    ->Args({512, 8})
    ->Args({1024, 8})
    ->Args({2047, 8})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace emopiano::bench
