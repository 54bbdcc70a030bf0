// emopiano dataset DIR: scans, reads and tokenizes a labelled MIDI collection
// (filling the token cache on the way) and reports what it holds, so a
// training run's data can be checked before hours are spent on it.
#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/progress_bar.hpp"
#include "dataset/token_cache.hpp"
#include "emopiano/dataset.hpp"
#include "emopiano/error.hpp"
#include "emopiano/tokenizer.hpp"
#include "sample/density_control.hpp"

namespace emopiano::cli {
namespace {

namespace fs = std::filesystem;

constexpr Split kSplits[] = {Split::train, Split::validation, Split::test};

struct LengthStats {
  int64_t min = 0, max = 0;
  double mean = 0, median = 0;
};

LengthStats length_stats(const Dataset& ds) {
  std::vector<int64_t> n;
  for (const auto& item : ds.items()) n.push_back(static_cast<int64_t>(item.tokens.size()));
  LengthStats s;
  if (n.empty()) return s;
  std::sort(n.begin(), n.end());
  s.min = n.front();
  s.max = n.back();
  s.mean = static_cast<double>(std::accumulate(n.begin(), n.end(), int64_t{0})) / static_cast<double>(n.size());
  size_t h = n.size() / 2;
  s.median = n.size() % 2 ? static_cast<double>(n[h]) : (n[h - 1] + n[h]) / 2.0;
  return s;
}

int run(int argc, char** argv) {
  Args args("dataset", "DIR|LIST.csv",
            "Scan, read and tokenize a labelled MIDI collection and report what it holds:\n"
            "clips per emotion quadrant and per split, token counts, cache hits and the files\n"
            "that were skipped, with the reason. Layouts: EMOPIA (midis/ + label.csv +\n"
            "split/), Q1/ Q2/ Q3/ Q4/ folders, or a CSV of path,label[,split].");
  args.option("cache", "DIR|none", "token cache folder, or 'none' (default $XDG_CACHE_HOME/emopiano)");
  args.option("threads", "N", "tokenizing threads, 0 = all cores", "0");
  args.option("validation", "F", "validation fraction for layouts without a split", "0.1");
  args.option("test", "F", "test fraction for layouts without a split", "0.1");
  args.flag("pedal", "lengthen notes by the sustain pedal before tokenizing");
  args.flag("json", "print one JSON object instead of text");
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;

  DatasetOptions options;
  options.cache_dir = args.get("cache");
  long long threads = args.get_int("threads");
  if (threads < 0 || threads > 1024) {
    fmt::print(stderr, "emopiano dataset: --threads {} must be 0 (all cores) to 1024\n", threads);
    return 2;
  }
  options.threads = static_cast<int>(threads);
  options.validation_fraction = args.get_double("validation");
  options.test_fraction = args.get_double("test");
  options.midi.apply_sustain_pedal = args.has("pedal");

  ProgressBar bar;
  options.progress = bar.callback();
  const fs::path root = args.positional()[0];
  const auto start = std::chrono::steady_clock::now();
  Dataset ds = Dataset::load(root, options);
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::string cache_dir = options.cache_dir.string();
  if (cache_dir.empty()) cache_dir = detail::default_cache_dir().string();
  if (cache_dir.empty()) cache_dir = "none";

  // counts[split][quadrant], and unlabelled pieces per split.
  std::map<Split, std::array<int64_t, kNumQuadrants>> counts;
  std::map<Split, int64_t> unlabelled;
  for (Split s : kSplits) counts[s] = {};
  std::array<int64_t, kNumQuadrants> per_q{};
  int64_t unlabelled_total = 0;
  for (const auto& item : ds.items()) {
    if (!item.labelled) {
      ++unlabelled[item.split];
      ++unlabelled_total;
      continue;
    }
    ++counts[item.split][static_cast<int>(item.label)];
    ++per_q[static_cast<int>(item.label)];
  }
  const LengthStats len = length_stats(ds);
  // Mean notes per beat of the labelled clips per split and quadrant: the
  // --density that writes as densely as they are played.
  const auto tokenizer = Tokenizer::create(options.tokenizer);
  std::map<Split, std::array<double, kNumQuadrants>> density_sum;
  std::map<Split, std::array<int64_t, kNumQuadrants>> density_count;
  for (Split s : kSplits) density_sum[s] = {}, density_count[s] = {};
  for (const auto& item : ds.items()) {
    if (!item.labelled) continue;
    if (auto d = sample::notes_per_beat(*tokenizer, item.tokens)) {
      density_sum[item.split][static_cast<int>(item.label)] += *d;
      ++density_count[item.split][static_cast<int>(item.label)];
    }
  }
  auto mean_density = [&](Split s, int q) {
    const int64_t n = density_count[s][static_cast<size_t>(q)];
    return n > 0 ? density_sum[s][static_cast<size_t>(q)] / static_cast<double>(n) : 0.0;
  };

  if (args.has("json")) {
    nlohmann::json j;
    j["root"] = root.string();
    j["layout"] = ds.layout();
    j["items"] = ds.items().size();
    j["cache_dir"] = cache_dir;
    j["cache_hits"] = ds.cache_hits();
    j["seconds"] = seconds;
    for (int q = 0; q < kNumQuadrants; ++q) j["quadrants"][quadrant_name(static_cast<Quadrant>(q))] = per_q[q];
    j["unlabelled"] = unlabelled_total;
    for (Split s : kSplits) {
      auto& js = j["splits"][split_name(s)];
      js["total"] = std::accumulate(counts[s].begin(), counts[s].end(), int64_t{0}) + unlabelled[s];
      js["unlabelled"] = unlabelled[s];
      for (int q = 0; q < kNumQuadrants; ++q) {
        js[quadrant_name(static_cast<Quadrant>(q))] = counts[s][q];
        if (density_count[s][static_cast<size_t>(q)] > 0)
          js["notes_per_beat"][quadrant_name(static_cast<Quadrant>(q))] = mean_density(s, q);
      }
    }
    j["tokens"] = {
        {"total", ds.total_tokens()}, {"min", len.min}, {"median", len.median}, {"mean", len.mean}, {"max", len.max}};
    j["skipped"] = nlohmann::json::array();
    for (const auto& s : ds.skipped()) j["skipped"].push_back({{"path", s.path.string()}, {"reason", s.reason}});
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("dataset  {}  (layout {})\n", root.string(), ds.layout());
    fmt::print("clips    {} tokenized, {} skipped, {} from the cache ({}), {:.2f} s\n\n", ds.items().size(),
               ds.skipped().size(), ds.cache_hits(), cache_dir, seconds);
    fmt::print("{:<12}", "");
    for (int q = 0; q < kNumQuadrants; ++q) {
      auto quad = static_cast<Quadrant>(q);
      fmt::print("{:>11}", fmt::format("{} {}", quadrant_name(quad), quadrant_mood(quad)));
    }
    if (unlabelled_total > 0) fmt::print("{:>11}", "unlabelled");
    fmt::print("{:>9}\n", "total");
    for (Split s : kSplits) {
      fmt::print("{:<12}", split_name(s));
      for (int q = 0; q < kNumQuadrants; ++q) fmt::print("{:>11}", counts[s][q]);
      if (unlabelled_total > 0) fmt::print("{:>11}", unlabelled[s]);
      fmt::print("{:>9}\n", std::accumulate(counts[s].begin(), counts[s].end(), int64_t{0}) + unlabelled[s]);
    }
    fmt::print("{:<12}", "all");
    for (int q = 0; q < kNumQuadrants; ++q) fmt::print("{:>11}", per_q[q]);
    if (unlabelled_total > 0) fmt::print("{:>11}", unlabelled_total);
    fmt::print("{:>9}\n\n", ds.items().size());
    fmt::print("tokens   {} in all; per clip min {}, median {:.0f}, mean {:.1f}, max {}\n", ds.total_tokens(), len.min,
               len.median, len.mean, len.max);
    if (per_q[0] + per_q[1] + per_q[2] + per_q[3] > 0) {
      fmt::print("\nnotes a beat, mean per clip (the --density that matches):\n");
      for (Split s : kSplits) {
        fmt::print("{:<12}", split_name(s));
        for (int q = 0; q < kNumQuadrants; ++q) {
          if (density_count[s][static_cast<size_t>(q)] > 0)
            fmt::print("{:>11.2f}", mean_density(s, q));
          else
            fmt::print("{:>11}", "-");
        }
        fmt::print("\n");
      }
    }
    if (!ds.skipped().empty()) {
      fmt::print("\nskipped {} file(s):\n", ds.skipped().size());
      for (const auto& s : ds.skipped()) {
        // Reader errors already name the file; say it once.
        if (s.reason.find(s.path.string()) != std::string::npos)
          fmt::print("  {}\n", s.reason);
        else
          fmt::print("  {}: {}\n", s.path.string(), s.reason);
      }
    }
  }
  if (ds.items().empty()) {
    fmt::print(stderr, "emopiano dataset: '{}' holds no usable MIDI file\n", root.string());
    return 1;
  }
  return 0;
}

const CommandRegistrar registrar("dataset", "tokenize a labelled MIDI collection and report its contents", run);

}  // namespace
}  // namespace emopiano::cli
