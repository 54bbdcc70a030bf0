// Generation with the bundled model, sampling included: tokens/s and ms per
// bar at batch 1 and 8, and the network's step alone.
#include <benchmark/benchmark.h>

#include <chrono>
#include <optional>

#include "bench_support.hpp"
#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"

namespace emopiano::bench {
namespace {

// Each loaded on first use: a run that never asks for the int8 cache never loads it.
const Model& bundled(KvCacheStorage kv = KvCacheStorage::bf16) {
  if (kv == KvCacheStorage::int8) {
    static const Model with_int8 =
        Model::load(bundled_model_path(), LoadOptions{InferencePrecision::bf16, KvCacheStorage::int8});
    return with_int8;
  }
  static const Model with_bf16 = Model::load(bundled_model_path());
  return with_bf16;
}

// 16 new bars of a happy piece, as `emopiano generate` writes by default;
// the same seed every iteration so every iteration does the same work.
GenerationRequest sixteen_bars() {
  GenerationRequest r;
  r.emotion = EmotionTrajectory(EmotionMix::parse("happy"));
  r.params.max_bars = 16;
  r.params.max_tokens = 4096;
  r.params.seed = 7;
  return r;
}

void generate(benchmark::State& state, const GenerationRequest& request, KvCacheStorage kv = KvCacheStorage::bf16) {
  const int batch = static_cast<int>(state.range(0));
  set_compute_threads(static_cast<int>(state.range(1)));
  Sampler sampler(bundled(kv));
  int64_t tokens = 0, bars = 0;
  double seconds = 0.0, cpu_seconds = 0.0;
  for (auto _ : state) {
    const double cpu_start = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    auto results =
        batch == 1 ? std::vector<GenerationResult>{sampler.generate(request)} : sampler.generate_batch(request, batch);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cpu_seconds += process_cpu_seconds() - cpu_start;
    for (const auto& r : results) {
      tokens += r.generated_tokens;
      bars += r.bars;  // no primer: every bar is new
    }
  }
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  // On a shared machine the wall clock includes waiting for a core: the rate
  // per second of CPU time is what the code costs (equal when the machine is idle).
  state.counters["tokens/cpu_s"] = cpu_seconds > 0 ? static_cast<double>(tokens) / cpu_seconds : 0.0;
  state.counters["tokens_per_piece"] = static_cast<double>(tokens) / static_cast<double>(state.iterations() * batch);
  state.counters["ms_per_bar"] = bars > 0 ? 1000.0 * seconds / static_cast<double>(bars) : 0.0;
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  state.SetLabel("load " + load_average());
}

// args: batch, threads
void BM_Generate16Bars(benchmark::State& state) { generate(state, sixteen_bars()); }
BENCHMARK(BM_Generate16Bars)
    ->ArgNames({"batch", "threads"})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({8, 1})
    ->Args({8, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

// The same 500 tokens with classifier-free guidance at weight `guidance`/10
// (1 = no null row) and valence guidance at `valence`/10 (0 = no mirrored
// row): every step runs the null-emotion and the mirrored-valence rows beside
// each piece in the same batched call, so the weights are read once for all.
// At guidance 2 the rhythm weight (default min(w, 2)) equals it: plain
// guidance; at 3 (the default) the rhythm is guided apart, one more pass over
// the vocabulary. Guidance 3 with valence 3 is the default for a piece whose
// valence changes. kv_int8 1 loads the model with the int8 K/V cache.
void BM_Generate500TokensGuided(benchmark::State& state) {
  GenerationRequest r = sixteen_bars();
  r.params.max_bars = 0;
  r.params.max_tokens = 500;
  r.params.stop_at_eos = false;
  r.params.guidance = static_cast<float>(state.range(2)) / 10.0f;
  r.params.valence_guidance = static_cast<float>(state.range(3)) / 10.0f;
  // Valence guidance runs its row only where the valence changes: happy
  // turning sad from the second bar.
  if (state.range(3) > 0) r.emotion = EmotionTrajectory::parse("Q1@0,Q3@1");
  generate(state, r, state.range(4) ? KvCacheStorage::int8 : KvCacheStorage::bf16);
}
BENCHMARK(BM_Generate500TokensGuided)
    ->ArgNames({"batch", "threads", "guidance_x10", "valence_x10", "kv_int8"})
    ->ArgsProduct({{1, 8}, {1}, {10, 30}, {0}, {0, 1}})
    ->Args({1, 1, 20, 0, 0})
    ->Args({1, 1, 30, 30, 0})
    ->Args({1, 1, 30, 30, 1})
    ->Args({8, 1, 30, 30, 0})
    ->Args({8, 1, 30, 30, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

// A fixed budget of 500 tokens (no EOS, no bar limit): the figure the
// Python comparison uses, inside the 512-token context.
void BM_Generate500Tokens(benchmark::State& state) {
  GenerationRequest r = sixteen_bars();
  r.params.max_bars = 0;
  r.params.max_tokens = 500;
  r.params.stop_at_eos = false;
  generate(state, r);
}
BENCHMARK(BM_Generate500Tokens)
    ->ArgNames({"batch", "threads"})
    ->Args({1, 1})
    ->Args({8, 1})
    ->Args({8, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

// 2,000 tokens: past the context, so the window slides (every 256 tokens the
// cache is rebuilt from the last 256 in one chunk). Its cost is in the rate.
void BM_Generate2000TokensSlidingWindow(benchmark::State& state) {
  GenerationRequest r = sixteen_bars();
  r.params.max_bars = 0;
  r.params.max_tokens = 2000;
  r.params.stop_at_eos = false;
  generate(state, r, state.range(2) ? KvCacheStorage::int8 : KvCacheStorage::bf16);
}
BENCHMARK(BM_Generate2000TokensSlidingWindow)
    ->ArgNames({"batch", "threads", "kv_int8"})
    ->Args({1, 1, 0})
    ->Args({1, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
}  // namespace emopiano::bench
