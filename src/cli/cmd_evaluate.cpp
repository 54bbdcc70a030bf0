// emopiano evaluate: how well a generator carries the requested emotion.
// Generates N pieces per quadrant, classifies them with the emotion
// classifier, prints the confusion matrix (rows requested, columns
// predicted), the 4Q / arousal / valence accuracy, and the pieces' metrics
// beside those of the real clips. Ctrl-C cancels.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/emotion_report.hpp"
#include "cli/process_control.hpp"
#include "cli/progress_bar.hpp"
#include "cli/sampling_options.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"
#include "emopiano/evaluation.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/sampler.hpp"
#include "eval/confidence_interval.hpp"

namespace emopiano::cli {
namespace {

namespace fs = std::filesystem;

// "Q2-Q4,Q1-Q3" (or moods: "tense-calm") -> the pairs, in that order.
std::vector<std::pair<Quadrant, Quadrant>> parse_pairs(const std::string& text) {
  std::vector<std::pair<Quadrant, Quadrant>> pairs;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, comma - at);
    const size_t dash = item.find('-');
    const auto from = dash == std::string::npos ? std::nullopt : parse_quadrant(item.substr(0, dash));
    const auto to = dash == std::string::npos ? std::nullopt : parse_quadrant(item.substr(dash + 1));
    if (!from || !to)
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("--pairs: '{}' is not a pair of quadrants like Q2-Q4 or tense-calm", item));
    pairs.emplace_back(*from, *to);
    at = comma + 1;
  }
  return pairs;
}

// --trajectories: the pieces' opening and closing bars, per pair of quadrants.
int run_trajectories(const Args& args, const Model& model, const EmotionClassifier& classifier,
                     const SamplingParams& params) {
  TrajectoryEvaluationOptions options;
  options.seeds = static_cast<int>(args.get_int("seeds"));
  options.bars = static_cast<int>(args.get_int("bars"));
  options.change_bar = static_cast<int>(args.get_int("change-bar"));
  options.edge_bars = static_cast<int>(args.get_int("edge-bars"));
  options.batch_size = static_cast<int>(args.get_int("batch"));
  options.params = params;
  if (args.has("pairs")) options.pairs = parse_pairs(args.get("pairs"));
  const fs::path save = args.get("save");
  if (!save.empty()) fs::create_directories(save);
  options.on_piece = [&save](Quadrant from, Quadrant to, int index, const GenerationResult& piece) {
    if (!save.empty())
      write_midi_file(piece.score,
                      save / fmt::format("{}-{}_{:03d}.mid", quadrant_name(from), quadrant_name(to), index));
  };
  ProgressBar bar;
  install_interrupt_handlers();
  options.progress = [&bar](const ProgressInfo& info) {
    bar.update(info);
    return !interrupted();
  };
  TrajectoryEvaluation result = evaluate_trajectories(model, classifier, options);
  bar.finish();
  if (args.has("json")) {
    auto j = nlohmann::json::parse(result.to_json());
    j["bars"] = options.bars;
    j["change_bar"] = options.change_bar;
    j["edge_bars"] = options.edge_bars;
    j["seed"] = params.seed;
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("emotion changing at bar {} of {}: the first and last {} bars of {} pieces per pair\n", options.change_bar,
             options.bars, options.edge_bars, options.seeds);
  fmt::print("{:<8} {:<5} {:>8} {:>8} {:>8} {:>10} {:>9} {:>7} {:>7}\n", "pair", "bars", "in quad", "arousal",
             "valence", "notes/bar", "velocity", "major", "tempo");
  for (const auto& p : result.pairs) {
    const std::string name = fmt::format("{}->{}", quadrant_name(p.from), quadrant_name(p.to));
    for (const auto* s : {&p.first, &p.last}) {
      fmt::print("{:<8} {:<5} {:>8.2f} {:>8.2f} {:>8.2f} {:>10.1f} {:>9.1f} {:>7.2f} {:>7.1f}\n",
                 s == &p.first ? name : "", s == &p.first ? "first" : "last", s->accuracy.accuracy(),
                 s->accuracy.arousal_accuracy(), s->accuracy.valence_accuracy(), s->notes_per_bar, s->velocity,
                 s->major_share, s->tempo_bpm);
      // A pair has a few dozen pieces: each share with its Wilson 95% interval.
      auto interval = [n = s->accuracy.total](double share) {
        const eval::Interval ci = eval::wilson_interval(std::llround(share * static_cast<double>(n)), n);
        return fmt::format("{:.2f}-{:.2f}", ci.low, ci.high);
      };
      fmt::print("{:<8} {:<5} {:>8} {:>8} {:>8} {:>10} {:>9} {:>7}\n", "", "95%", interval(s->accuracy.accuracy()),
                 interval(s->accuracy.arousal_accuracy()), interval(s->accuracy.valence_accuracy()), "", "",
                 interval(s->major_share));
    }
  }
  fmt::print(
      "(in quad / arousal / valence: share of pieces whose bars the classifier puts in the requested\n"
      " quadrant / arousal half / valence half: the first emotion for 'first', the second for 'last';\n"
      " below each row the Wilson 95% intervals of the shares)\n");
  fmt::print("{} pieces in {:.1f} min\n", static_cast<int64_t>(result.pairs.size()) * options.seeds,
             result.seconds / 60.0);
  return 0;
}

int run(int argc, char** argv) {
  Args args("evaluate", "",
            "Generate N pieces per emotion quadrant, classify them with the emotion classifier\n"
            "and print the confusion matrix (rows: requested quadrant, columns: predicted),\n"
            "the 4Q / arousal / valence accuracy, and the metrics of the generated pieces\n"
            "beside those of the real clips of each quadrant (--data). Ctrl-C cancels.");
  args.option("model", "FILE", "generator model (default: the bundled model)");
  args.option("classifier", "FILE", "emotion classifier (default: the bundled one)");
  args.option("per-quadrant", "N", "pieces per quadrant", "25");
  args.option("bars", "B", "bars per piece", "16");
  args.option("seed", "S", "seed of the first piece", "1");
  args.option("batch", "N", "pieces decoded together", "8");
  add_sampling_options(args);
  args.flag("trajectories",
            "instead: pieces whose emotion changes (Q1->Q3, Q3->Q1, Q2->Q4, Q4->Q2) at\n"
            "--change-bar, their first and last --edge-bars bars judged apart");
  args.option("seeds", "N", "with --trajectories: pieces per pair", "20");
  args.option("pairs", "A-B,..", "with --trajectories: the changes to judge (default Q1-Q3,Q3-Q1,Q2-Q4,Q4-Q2)");
  args.option("change-bar", "B", "with --trajectories: first bar (0-based) of the second emotion", "8");
  args.option("edge-bars", "B", "with --trajectories: bars judged at each end", "6");
  args.option("max-tokens", "N", "token budget per piece", std::to_string(SamplingParams{}.max_tokens));
  args.option("data", "DIR", "real labelled clips (e.g. EMOPIA) to compare the metrics with");
  args.option("save", "DIR",
              "write the generated pieces here (Q1_000_pred-Q2.mid, ...; Q1-Q3_000.mid with --trajectories)");
  args.option("threads", "N", "compute threads, 0 = all cores", "0");
  args.flag("json", "print one JSON object");
  args.positionals(0, 0);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(true);

  GeneratorEvaluationOptions options;
  options.per_quadrant = static_cast<int>(args.get_int("per-quadrant"));
  options.bars = static_cast<int>(args.get_int("bars"));
  options.batch_size = static_cast<int>(args.get_int("batch"));
  options.params.seed = static_cast<uint64_t>(args.get_int("seed"));
  read_sampling_options(args, options.params);
  options.params.max_tokens = static_cast<int>(args.get_int("max-tokens"));
  options.params.validate();
  if (args.has("data")) options.reference_data = args.get("data");
  set_compute_threads(static_cast<int>(args.get_int("threads")));

  const fs::path model_path = args.has("model") ? fs::path(args.get("model")) : bundled_model_path();
  const fs::path classifier_path =
      args.has("classifier") ? fs::path(args.get("classifier")) : bundled_classifier_path();
  Model model = Model::load(model_path);
  EmotionClassifier classifier = EmotionClassifier::load(classifier_path);
  if (args.has("trajectories")) return run_trajectories(args, model, classifier, options.params);
  const fs::path save = args.get("save");
  if (!save.empty()) fs::create_directories(save);
  if (!args.has("json"))
    fmt::print(stderr, "evaluating {} with {}: {} pieces x 4 quadrants, {} bars each\n", model_path.string(),
               classifier_path.string(), options.per_quadrant, options.bars);

  ProgressBar bar;
  install_interrupt_handlers();
  options.progress = [&bar](const ProgressInfo& info) {
    bar.update(info);
    return !interrupted();
  };
  options.on_piece = [&save](Quadrant q, int index, const GenerationResult& piece, const EmotionPrediction& p) {
    if (save.empty()) return;
    write_midi_file(piece.score,
                    save / fmt::format("{}_{:03d}_pred-{}.mid", quadrant_name(q), index, quadrant_name(p.quadrant)));
  };
  GeneratorEvaluation result = evaluate_generator(model, classifier, options);
  bar.finish();

  if (args.has("json")) {
    auto j = nlohmann::json::parse(result.to_json());
    j["model"] = model_path.string();
    j["classifier"] = classifier_path.string();
    j["per_quadrant"] = options.per_quadrant;
    j["bars"] = options.bars;
    j["seed"] = options.params.seed;
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("emotion of the generated pieces (classifier {}):\n", classifier_path.filename().string());
  print_confusion(result.accuracy, "requested");
  fmt::print("\nmetrics (means per quadrant){}:\n", result.has_reference ? ", generated beside the real clips" : "");
  print_metrics_comparison(result.generated, result.has_reference ? &result.reference : nullptr);
  fmt::print("\n{} pieces in {:.1f} min\n", result.accuracy.total, result.seconds / 60.0);
  return 0;
}

CommandRegistrar registrar("evaluate", "generate per quadrant, classify, and compare with real clips", run);

}  // namespace
}  // namespace emopiano::cli
