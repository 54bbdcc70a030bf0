// MIDI parse and write over EMOPIA's files: files/s and MB/s.
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>

#include "bench_support.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::bench {
namespace {

struct Corpus {
  std::vector<std::vector<uint8_t>> files;
  std::vector<Score> scores;
  size_t bytes = 0;
};

// The first 200 EMOPIA files, read into memory once, so disk is not timed.
const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus c;
    auto paths = emopia_midis();
    if (paths.size() > 200) paths.resize(200);
    for (const auto& p : paths) {
      std::ifstream in(p, std::ios::binary);
      c.files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      c.bytes += c.files.back().size();
      c.scores.push_back(read_midi_bytes(c.files.back().data(), c.files.back().size()));
    }
    return c;
  }();
  return c;
}

void BM_MidiParse(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.files.empty()) return state.SkipWithError("EMOPIA not found");
  for (auto _ : state) {
    for (const auto& f : c.files) benchmark::DoNotOptimize(read_midi_bytes(f.data(), f.size()));
  }
  state.counters["files/s"] =
      benchmark::Counter(static_cast<double>(c.files.size() * state.iterations()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(c.bytes * state.iterations()));
  state.SetLabel("load " + load_average());
}
BENCHMARK(BM_MidiParse)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MidiWrite(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.files.empty()) return state.SkipWithError("EMOPIA not found");
  size_t bytes = 0;
  for (auto _ : state) {
    for (const auto& s : c.scores) bytes += write_midi_bytes(s).size();
  }
  state.counters["files/s"] =
      benchmark::Counter(static_cast<double>(c.scores.size() * state.iterations()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel("load " + load_average());
}
BENCHMARK(BM_MidiWrite)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace emopiano::bench
