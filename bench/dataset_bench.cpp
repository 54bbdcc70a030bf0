// Dataset::load over the whole of EMOPIA: clips/s, cold (no cache) and
// cached (token arrays read back from the cache folder).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include "bench_support.hpp"
#include "emopiano/dataset.hpp"

namespace emopiano::bench {
namespace {

void load(benchmark::State& state, const std::filesystem::path& cache) {
  if (emopia_midis().empty()) return state.SkipWithError("EMOPIA not found");
  DatasetOptions options;
  options.cache_dir = cache;
  options.threads = static_cast<int>(state.range(0));
  size_t clips = 0;
  int64_t hits = 0;
  for (auto _ : state) {
    const Dataset d = Dataset::load(emopia_root(), options);
    clips += d.items().size();
    hits += d.cache_hits();
  }
  state.counters["clips/s"] = benchmark::Counter(static_cast<double>(clips), benchmark::Counter::kIsRate);
  state.counters["cache_hits"] = static_cast<double>(hits) / static_cast<double>(state.iterations());
  state.SetLabel("load " + load_average());
}

void BM_DatasetCold(benchmark::State& state) { load(state, "none"); }
BENCHMARK(BM_DatasetCold)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DatasetCached(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / ("emopiano-bench-cache-" + std::to_string(getpid()));
  {
    DatasetOptions warm;
    warm.cache_dir = dir;
    if (!emopia_midis().empty()) Dataset::load(emopia_root(), warm);  // fills the cache, not timed
  }
  load(state, dir);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_DatasetCached)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace emopiano::bench
