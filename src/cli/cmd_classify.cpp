// emopiano classify FILE.mid|DIR: the emotion classifier's quadrant
// probabilities of each file; on labelled files (Q1_ prefix or Q1..Q4
// folders) also the accuracy and confusion matrix.
#include <algorithm>
#include <filesystem>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/emotion_report.hpp"
#include "cli/process_control.hpp"
#include "cli/progress_bar.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"
#include "emopiano/evaluation.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/sampler.hpp"

namespace emopiano::cli {
namespace {

namespace fs = std::filesystem;

bool is_midi(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".mid" || ext == ".midi";
}

int run(int argc, char** argv) {
  Args args("classify", "FILE.mid|DIR",
            "Predict the emotion quadrant of MIDI files with the emotion classifier: the four\n"
            "quadrant probabilities, arousal = P(Q1)+P(Q2) and valence = P(Q1)+P(Q4). For a\n"
            "folder of labelled files (Q1_ prefixes or Q1..Q4 folders) also the accuracy.");
  args.option("classifier", "FILE", "classifier file (default: the bundled one)");
  args.option("threads", "N", "LibTorch threads, 0 = all cores", "0");
  args.flag("json", "print JSON lines");
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(true);

  const fs::path root = args.positional()[0];
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
  set_compute_threads(static_cast<int>(args.get_int("threads")));
  const fs::path path = args.has("classifier") ? fs::path(args.get("classifier")) : bundled_classifier_path();
  EmotionClassifier classifier = EmotionClassifier::load(path);

  const bool json = args.has("json");
  if (!json)
    fmt::print("{:<36} {:>5} {:>5} {:>5} {:>5}  {:<4} {:>7} {:>7}  {}\n", "file", "Q1", "Q2", "Q3", "Q4", "pred",
               "arousal", "valence", "label");
  EmotionAccuracy accuracy;
  int failed = 0;
  install_interrupt_handlers();
  for (const auto& f : files) {
    if (interrupted()) throw Error(ErrorCode::cancelled, "cancelled");
    EmotionPrediction p;
    try {
      p = classifier.classify(read_midi_file(f));
    } catch (const Error& e) {
      fmt::print(stderr, "skipped {}: {}\n", f.string(), e.what());
      ++failed;
      continue;
    }
    const auto label = quadrant_from_path(f);
    if (label) accuracy.add(*label, p);
    if (json) {
      nlohmann::json j = {{"file", f.string()},
                          {"probabilities", p.probabilities},
                          {"quadrant", quadrant_name(p.quadrant)},
                          {"arousal", p.arousal},
                          {"valence", p.valence},
                          {"windows", p.windows}};
      if (label) j["label"] = quadrant_name(*label);
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{:<36} {:>5.3f} {:>5.3f} {:>5.3f} {:>5.3f}  {:<4} {:>7.3f} {:>7.3f}  {}\n",
                 f.filename().string().substr(0, 36), p.probabilities[0], p.probabilities[1], p.probabilities[2],
                 p.probabilities[3], quadrant_name(p.quadrant), p.arousal, p.valence,
                 label ? quadrant_name(*label) : "");
    }
  }
  if (accuracy.total > 0) {
    if (json) {
      auto j = nlohmann::json::parse(accuracy.to_json());
      j["summary"] = "accuracy";
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("\n");
      print_confusion(accuracy, "label");
    }
  }
  return failed > 0 ? 1 : 0;
}

CommandRegistrar registrar("classify", "predict the emotion quadrant of MIDI files", run);

}  // namespace
}  // namespace emopiano::cli
