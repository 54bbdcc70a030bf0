// Bar latency and memory of a live session (docs/live.md), with the bundled
// model, batch 1, one compute thread, over N bars of one session whose
// emotion changes every K bars. Two hosts, the same music:
//
//   raw:   no lookahead; the time next_bar() takes, which is what a host
//          waits when it asks for a bar only when it needs it;
//   ahead: lookahead on, and a host paced by the music: it asks for bar n + 1
//          when bar n has played (music time divided by --speed), and sets
//          the emotion at --change-at (a fraction) of the bar before each
//          change. The time it waits is what it hears as a gap.
//
// Both runs use the same seed and emotion schedule, so they must write the
// same bars; the program checks that (tokens and notes per bar) and prints
// the latency tables and the resident memory at each stage.
//
//   bench_live [--bars N] [--model FILE] [--threads T] [--seed S] [--guidance W] [--valence-guidance V]
//              [--speed X] [--change-every K] [--change-at F] [--run raw|ahead|both]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
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
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Settings {
  int bars = 1000, threads = 1, change_every = 16;
  uint64_t seed = 1;
  float guidance = -1.0f;
  float valence_guidance = -1.0f;
  double speed = 4.0, change_at = 0.5;
  std::string model_path, run = "both";
};

const char* const kEmotions[] = {"calm", "tense", "happy", "sad", "0.1,0.6,0.2,0.1", "va:0.5,-0.2"};

// The emotion set before bar b, or null when it does not change there.
const char* change_before(const Settings& s, int b) {
  if (b == 0 || s.change_every <= 0 || b % s.change_every != 0) return nullptr;
  return kEmotions[(b / s.change_every) % 6];
}

struct Run {
  std::vector<double> ms;                        // the wait of each request
  std::vector<double> after_ms;                  // the requests that came after a set_emotion
  std::vector<std::pair<int64_t, size_t>> bars;  // tokens and notes of each bar
  std::vector<std::pair<int, double>> rss;
  double seconds = 0.0, music_seconds = 0.0;
  int64_t tokens = 0, context = 0;
};

void note_bar(Run& r, const emopiano::SessionBar& bar, int n, int total) {
  r.bars.emplace_back(bar.tokens, bar.notes.size());
  r.tokens += bar.tokens;
  r.music_seconds = bar.end_seconds;
  if (n == 1 || n == 10 || n == 100 || n % 250 == 0 || n == total) r.rss.emplace_back(n, resident_mib());
}

emopiano::SessionOptions session_options(const Settings& s, bool lookahead) {
  emopiano::SessionOptions o;
  o.emotion = emopiano::EmotionMix::parse("calm");
  o.params.seed = s.seed;
  o.params.guidance = s.guidance;
  o.params.valence_guidance = s.valence_guidance;
  o.lookahead = lookahead;
  return o;
}

Run run_raw(const emopiano::Model& model, const Settings& s) {
  Run r;
  emopiano::GenerationSession session(model, session_options(s, false));
  const auto all = Clock::now();
  for (int b = 0; b < s.bars; ++b) {
    const char* change = change_before(s, b);
    if (change) session.set_emotion(emopiano::EmotionMix::parse(change));
    const auto t = Clock::now();
    const emopiano::SessionBar bar = session.next_bar();
    r.ms.push_back(ms_since(t));
    if (change) r.after_ms.push_back(r.ms.back());
    note_bar(r, bar, b + 1, s.bars);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - all).count();
  r.context = session.context_tokens();
  return r;
}

Run run_ahead(const emopiano::Model& model, const Settings& s) {
  Run r;
  emopiano::GenerationSession session(model, session_options(s, true));
  const auto all = Clock::now();
  for (int b = 0; b < s.bars; ++b) {
    const auto t = Clock::now();
    const emopiano::SessionBar bar = session.next_bar();
    r.ms.push_back(ms_since(t));
    if (change_before(s, b)) r.after_ms.push_back(r.ms.back());
    note_bar(r, bar, b + 1, s.bars);
    // The bar plays from now; the host asks for the next one when it ends.
    const auto played = Clock::now();
    const auto length = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>((bar.end_seconds - bar.start_seconds) / s.speed));
    if (const char* change = change_before(s, b + 1)) {
      std::this_thread::sleep_until(played + std::chrono::duration_cast<Clock::duration>(length * s.change_at));
      session.set_emotion(emopiano::EmotionMix::parse(change));
    }
    if (b + 1 < s.bars) std::this_thread::sleep_until(played + length);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - all).count();
  r.context = session.context_tokens();
  return r;
}

void print_latency(const char* title, const Run& r) {
  std::printf("| %s | p50 | p90 | p99 | max | mean |\n| --- | ---: | ---: | ---: | ---: | ---: |\n", title);
  const auto row = [](const char* name, const std::vector<double>& v) {
    double sum = 0.0;
    for (double x : v) sum += x;
    std::printf("| %s (%zu) | %.1f | %.1f | %.1f | %.1f | %.1f |\n", name, v.size(), percentile(v, 0.50),
                percentile(v, 0.90), percentile(v, 0.99), percentile(v, 1.0),
                v.empty() ? 0.0 : sum / static_cast<double>(v.size()));
  };
  row("every request, ms", r.ms);
  row("after a set_emotion, ms", r.after_ms);
  std::printf("\n");
}

void print_memory(const Run& r, double before) {
  std::printf("| resident memory | MiB |\n| --- | ---: |\n| at the start | %.1f |\n", before);
  for (const auto& m : r.rss) std::printf("| after bar %d | %.1f |\n", m.first, m.second);
  std::printf("\ncontext held at the end: %lld tokens\n\n", static_cast<long long>(r.context));
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_live [--bars N] [--model FILE] [--threads T] [--seed S] [--guidance W]\n"
               "                  [--valence-guidance V] [--speed X] [--change-every K] [--change-at F] [--run "
               "raw|ahead|both]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string v = argv[i + 1];
    if (a == "--bars")
      s.bars = std::atoi(v.c_str());
    else if (a == "--threads")
      s.threads = std::atoi(v.c_str());
    else if (a == "--seed")
      s.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--model")
      s.model_path = v;
    else if (a == "--guidance")
      s.guidance = std::strtof(v.c_str(), nullptr);
    else if (a == "--valence-guidance")
      s.valence_guidance = std::strtof(v.c_str(), nullptr);
    else if (a == "--speed")
      s.speed = std::strtod(v.c_str(), nullptr);
    else if (a == "--change-every")
      s.change_every = std::atoi(v.c_str());
    else if (a == "--change-at")
      s.change_at = std::strtod(v.c_str(), nullptr);
    else if (a == "--run")
      s.run = v;
    else
      return usage();
  }
  if (s.bars < 1 || s.speed <= 0.0 || s.change_at < 0.0 || s.change_at > 1.0 ||
      (s.run != "raw" && s.run != "ahead" && s.run != "both"))
    return usage();
  emopiano::set_compute_threads(s.threads);
  const double rss_start = resident_mib();
  const emopiano::Model model = emopiano::Model::load(s.model_path.empty() ? emopiano::bundled_model_path()
                                                                           : std::filesystem::path(s.model_path));
  const double rss_model = resident_mib();

  std::printf("live session: %s\n", cpu_name().c_str());
  std::printf(
      "%d bars, batch 1, %d compute thread(s), guidance %s, valence guidance %s, emotion changed every %d bars\n",
      s.bars, s.threads, s.guidance < 0 ? "model default" : fmt::format("{:g}", s.guidance).c_str(),
      s.valence_guidance < 0 ? "model default" : fmt::format("{:g}", s.valence_guidance).c_str(), s.change_every);
  std::printf("resident memory: %.1f MiB at the start, %.1f MiB with the model loaded\n\n", rss_start, rss_model);

  Run raw, ahead;
  if (s.run != "ahead") {
    const double before = resident_mib();
    raw = run_raw(model, s);
    std::printf("## raw: no lookahead, the time next_bar() takes (load %s at the end)\n\n", load().c_str());
    std::printf("%lld tokens (%.0f a bar), %.0f s of music written in %.1f s (%.0f tokens/s)\n\n",
                static_cast<long long>(raw.tokens), static_cast<double>(raw.tokens) / s.bars, raw.music_seconds,
                raw.seconds, static_cast<double>(raw.tokens) / raw.seconds);
    print_latency("bar latency, raw", raw);
    print_memory(raw, before);
  }
  if (s.run != "raw") {
    const double before = resident_mib();
    ahead = run_ahead(model, s);
    std::printf(
        "## ahead: lookahead, a host that asks for the next bar when the last has played, music at %gx, the emotion "
        "set at %g of the bar before each change (load %s at the end)\n\n",
        s.speed, s.change_at, load().c_str());
    std::printf("%.0f s of music played in %.1f s\n\n", ahead.music_seconds, ahead.seconds);
    print_latency("host wait, lookahead", ahead);
    print_memory(ahead, before);
  }
  if (s.run == "both") {
    const bool same = raw.bars == ahead.bars;
    std::printf("the two runs wrote the same bars: %s\n", same ? "yes" : "NO");
    if (!same) return 1;
  }
  return 0;
}
