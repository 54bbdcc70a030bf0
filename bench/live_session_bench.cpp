// Bar latency and memory of a live session (docs/live.md): the time from
// asking for the next bar to having its notes, over N bars of one session
// with the bundled model, batch 1, one compute thread, the emotion changed
// every 16 bars as a host would; and the resident memory as the session goes
// on. Prints two tables.
//
//   bench_live [--bars N] [--model FILE] [--threads T] [--seed S] [--guidance W]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <unistd.h>

#include "emopiano/model.hpp"
#include "emopiano/session.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

std::string cpu_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string load() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  int bars = 1000, threads = 1;
  uint64_t seed = 1;
  float guidance = -1.0f;
  std::string model_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--bars")
      bars = std::atoi(v.c_str());
    else if (a == "--threads")
      threads = std::atoi(v.c_str());
    else if (a == "--seed")
      seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--model")
      model_path = v;
    else if (a == "--guidance")
      guidance = std::strtof(v.c_str(), nullptr);
    else {
      std::fprintf(stderr, "usage: bench_live [--bars N] [--model FILE] [--threads T] [--seed S] [--guidance W]\n");
      return 2;
    }
  }
  if (bars < 1) return 2;
  emopiano::set_compute_threads(threads);
  const double rss_start = resident_mib();
  const emopiano::Model model =
      emopiano::Model::load(model_path.empty() ? emopiano::bundled_model_path() : std::filesystem::path(model_path));
  const double rss_model = resident_mib();

  emopiano::SessionOptions options;
  options.emotion = emopiano::EmotionMix::parse("calm");
  options.params.seed = seed;
  options.params.guidance = guidance;
  emopiano::GenerationSession session(model, options);
  const char* emotions[] = {"calm", "tense", "happy", "sad", "0.1,0.6,0.2,0.1", "va:0.5,-0.2"};

  std::vector<double> ms;
  std::vector<std::pair<int, double>> rss;
  int64_t tokens = 0, notes = 0;
  double music_seconds = 0.0;
  const auto all = Clock::now();
  for (int b = 0; b < bars; ++b) {
    if (b > 0 && b % 16 == 0) session.set_emotion(emopiano::EmotionMix::parse(emotions[(b / 16) % 6]));
    const auto t = Clock::now();
    const emopiano::SessionBar bar = session.next_bar();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    tokens += bar.tokens;
    notes += static_cast<int64_t>(bar.notes.size());
    music_seconds = bar.end_seconds;
    const int n = b + 1;
    if (n == 1 || n == 10 || n == 100 || n % 250 == 0 || n == bars) rss.emplace_back(n, resident_mib());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - all).count();

  std::printf("live session: %s\n", cpu_name().c_str());
  std::printf("%d bars, batch 1, %d compute thread(s), guidance %s, load %s at the end\n", bars, threads,
              guidance < 0 ? "model default" : fmt::format("{:g}", guidance).c_str(), load().c_str());
  std::printf("%lld tokens, %lld notes, %.0f s of music generated in %.1f s (%.0f tokens/s)\n\n",
              static_cast<long long>(tokens), static_cast<long long>(notes), music_seconds, seconds,
              static_cast<double>(tokens) / seconds);
  std::printf("| bar latency | ms |\n| --- | ---: |\n");
  std::printf("| p50 | %.1f |\n| p90 | %.1f |\n| p99 | %.1f |\n| max | %.1f |\n| mean | %.1f |\n\n",
              percentile(ms, 0.50), percentile(ms, 0.90), percentile(ms, 0.99), percentile(ms, 1.0),
              seconds * 1000.0 / bars);
  std::printf("| resident memory | MiB |\n| --- | ---: |\n");
  std::printf("| before the model | %.1f |\n| model loaded | %.1f |\n", rss_start, rss_model);
  for (const auto& r : rss) std::printf("| after bar %d | %.1f |\n", r.first, r.second);
  std::printf("\ncontext held at the end: %lld tokens\n", static_cast<long long>(session.context_tokens()));
  return 0;
}
