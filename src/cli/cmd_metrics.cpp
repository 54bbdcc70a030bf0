// emopiano metrics FILE.mid|DIR: objective metrics per file, and a summary
// per folder and per emotion label (Q1_.. file-name prefix or Q1/ folder).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "emopiano/emotion.hpp"
#include "emopiano/error.hpp"
#include "emopiano/metrics.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::cli {
namespace {

namespace fs = std::filesystem;

bool is_midi(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".mid" || ext == ".midi";
}

// "Q3" from "Q3_abc_1.mid" or from a parent folder named Q3; "" when unlabelled.
std::string emotion_label(const fs::path& p) {
  std::string stem = p.filename().string();
  if (stem.size() > 2 && stem[0] == 'Q' && stem[2] == '_' && parse_quadrant(stem.substr(0, 2)))
    return stem.substr(0, 2);
  std::string parent = p.parent_path().filename().string();
  if (auto q = parse_quadrant(parent); q && parent.size() == 2) return quadrant_name(*q);
  return "";
}

std::string fmt_value(double v, int decimals = 2) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : "-";
}

void print_row(const std::string& name, const std::map<std::string, double>& v, const std::string& key) {
  auto g = [&](const char* k) {
    auto it = v.find(k);
    return it == v.end() ? NAN : it->second;
  };
  fmt::print("{:<32} {:>6} {:>7} {:>6} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>6}  {}\n", name.substr(0, 32),
             fmt_value(g("notes"), 0), fmt_value(g("duration_seconds"), 1), fmt_value(g("notes_per_second")),
             fmt_value(g("velocity_mean"), 1), fmt_value(g("pitch_range"), 0), fmt_value(g("polyphony")),
             fmt_value(g("pitch_class_entropy")), fmt_value(g("scale_consistency")), fmt_value(g("groove_consistency")),
             fmt_value(g("empty_beat_rate")), fmt_value(g("tempo_bpm"), 1), key);
}

std::map<std::string, double> as_map(const MusicMetrics& m) {
  std::map<std::string, double> out;
  auto j = nlohmann::json::parse(m.to_json());
  for (auto& [k, v] : j.items())
    if (v.is_number())
      out[k] = v.get<double>();
    else if (v.is_null())
      out[k] = NAN;
  return out;
}

int run(int argc, char** argv) {
  Args args("metrics", "FILE.mid|DIR",
            "Objective music metrics (MusPy / Jazz Transformer definitions plus density,\n"
            "dynamics, key and tempo) of a MIDI file, or of every MIDI file under a folder\n"
            "with a summary per folder and per emotion label.");
  args.flag("json", "print JSON lines instead of a table");
  args.flag("summary-only", "print only the summaries");
  args.flag("pedal", "lengthen notes by the sustain pedal before measuring");
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;

  fs::path root = args.positional()[0];
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(root, ec)) {
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it); it.increment(ec))
      if (it->is_regular_file() && is_midi(it->path())) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw Error(ErrorCode::not_found, fmt::format("{}: no MIDI files", root.string()));
  } else if (fs::exists(root, ec)) {
    files.push_back(root);
  } else {
    throw Error(ErrorCode::not_found, fmt::format("{}: no such file or folder", root.string()));
  }

  MidiReadOptions read;
  read.apply_sustain_pedal = args.has("pedal");
  bool json = args.has("json"), rows = !args.has("summary-only") || files.size() == 1;
  std::vector<MusicMetrics> all;
  std::map<std::string, std::vector<MusicMetrics>> by_label;
  if (!json && rows)
    fmt::print("{:<32} {:>6} {:>7} {:>6} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>6}  {}\n", "file", "notes",
               "seconds", "n/s", "vel", "range", "poly", "pcH", "scale", "groove", "empty", "bpm", "key");
  int failed = 0;
  for (const auto& f : files) {
    MusicMetrics m;
    try {
      m = compute_metrics(read_midi_file(f, read));
    } catch (const Error& e) {
      fmt::print(stderr, "skipped {}\n", e.what());
      ++failed;
      continue;
    }
    all.push_back(m);
    std::string label = emotion_label(f);
    if (!label.empty()) by_label[label].push_back(m);
    if (json) {
      auto j = nlohmann::json::parse(m.to_json());
      j["file"] = f.string();
      if (!label.empty()) j["label"] = label;
      fmt::print("{}\n", j.dump());
    } else if (rows) {
      print_row(f.filename().string(), as_map(m), m.key.name());
    }
  }
  if (all.empty()) throw Error(ErrorCode::format, "no file could be read");

  if (files.size() > 1) {
    auto summary_line = [&](const std::string& name, const std::vector<MusicMetrics>& ms) {
      MetricsSummary s = summarize_metrics(ms);
      if (json) {
        auto j = nlohmann::json::parse(s.to_json());
        j["summary"] = name;
        fmt::print("{}\n", j.dump());
      } else {
        print_row(fmt::format("{} ({})", name, s.pieces), s.mean, fmt::format("{:.0f}% major", 100 * s.major_share));
      }
    };
    if (!json) fmt::print("\nmeans:\n");
    summary_line("all", all);
    for (const auto& [label, ms] : by_label) summary_line(label, ms);
  }
  return failed > 0 ? 1 : 0;
}

CommandRegistrar registrar("metrics", "objective music metrics of files or folders, per emotion", run);

}  // namespace
}  // namespace emopiano::cli
