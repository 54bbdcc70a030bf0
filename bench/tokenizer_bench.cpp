// REMI encode and decode over EMOPIA's pieces: tokens/s.
#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/tokenizer.hpp"

namespace emopiano::bench {
namespace {

struct Pieces {
  std::unique_ptr<Tokenizer> tokenizer = Tokenizer::create();
  std::vector<Score> scores;
  std::vector<std::vector<int32_t>> tokens;
  size_t total = 0;
};

const Pieces& pieces() {
  static const Pieces p = [] {
    Pieces p;
    auto paths = emopia_midis();
    if (paths.size() > 200) paths.resize(200);
    for (const auto& path : paths) {
      p.scores.push_back(read_midi_file(path));
      p.tokens.push_back(p.tokenizer->encode(p.scores.back(), Quadrant::Q1));
      p.total += p.tokens.back().size();
    }
    return p;
  }();
  return p;
}

void BM_TokenizerEncode(benchmark::State& state) {
  const Pieces& p = pieces();
  if (p.scores.empty()) return state.SkipWithError("EMOPIA not found");
  for (auto _ : state) {
    for (const auto& s : p.scores) benchmark::DoNotOptimize(p.tokenizer->encode(s, Quadrant::Q1));
  }
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(p.total * state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel("load " + load_average());
}
BENCHMARK(BM_TokenizerEncode)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_TokenizerDecode(benchmark::State& state) {
  const Pieces& p = pieces();
  if (p.scores.empty()) return state.SkipWithError("EMOPIA not found");
  for (auto _ : state) {
    for (const auto& t : p.tokens) benchmark::DoNotOptimize(p.tokenizer->decode(t));
  }
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(p.total * state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel("load " + load_average());
}
BENCHMARK(BM_TokenizerDecode)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace emopiano::bench
