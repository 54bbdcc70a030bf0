// emopiano evaluate-vae --data DIR: the VAE's figures on a held-out split
// (reconstruction, latent use, interpolation smoothness, emotion arithmetic).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/process_control.hpp"
#include "cli/progress_bar.hpp"
#include "cli/vae_options.hpp"
#include "core/atomic_file.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/dataset.hpp"
#include "emopiano/error.hpp"
#include "emopiano/vae_targets.hpp"
#include "eval/confidence_interval.hpp"

namespace emopiano::cli {
namespace {

// The mean over the paths ([path][step]) at each step.
std::vector<double> step_means(const std::vector<std::vector<double>>& paths) {
  std::vector<double> means(paths.empty() ? 0 : paths.front().size(), 0.0);
  for (const auto& path : paths)
    for (size_t s = 0; s < means.size(); ++s) means[s] += path[s];
  for (double& m : means) m /= static_cast<double>(paths.size());
  return means;
}

// " low-high" for each step's mean over the pairs' paths ([pair][step]).
std::string step_intervals(const std::vector<std::vector<double>>& paths) {
  std::string out;
  const auto means = step_means(paths);
  const auto n = static_cast<double>(paths.size());
  for (size_t s = 0; s < means.size(); ++s) {
    double squares = 0;
    for (const auto& path : paths) squares += (path[s] - means[s]) * (path[s] - means[s]);
    const double half = eval::mean_half_width(std::sqrt(squares / n), static_cast<int64_t>(paths.size()));
    out += std::isnan(half) ? " -" : fmt::format(" {:.2f}-{:.2f}", means[s] - half, means[s] + half);
  }
  return out;
}

// The targets of docs/vae.md: interpolation paths and what transform keeps.
void print_vae_targets(const VaeTargetEvaluation& t) {
  if (t.pairs > 0) {
    std::string a, b;
    for (double m : step_means(t.f1_to_a)) a += fmt::format(" {:.2f}", m);
    for (double m : step_means(t.f1_to_b)) b += fmt::format(" {:.2f}", m);
    fmt::print("paths           note F1 to A by step:{}\n                note F1 to B by step:{}\n", a, b);
    fmt::print(
        "                monotone (F1 to A falls, to B rises) in {:.0f}% of {} pairs; middle steps valid {:.0f}%\n",
        100.0 * t.monotone_fraction, t.pairs, 100.0 * t.valid_middle_steps);
  }
  if (t.span_segments > 0 && !t.span_f1_to_a.empty()) {
    std::string a, b;
    for (double m : step_means(t.span_f1_to_a)) a += fmt::format(" {:.2f}", m);
    for (double m : step_means(t.span_f1_to_b)) b += fmt::format(" {:.2f}", m);
    fmt::print("spans of {}      note F1 to A by step:{}\n                note F1 to B by step:{}\n", t.span_segments,
               a, b);
    fmt::print(
        "                monotone (F1 to A falls, to B rises) in {:.0f}% of {} pairs; middle steps valid {:.0f}%\n",
        100.0 * t.span_monotone_fraction, t.span_f1_to_a.size(), 100.0 * t.span_valid_middle_steps);
  }
  if (t.transform_cases > 0)
    fmt::print(
        "transform keeps {:.1f}% of the notes (pitch class, onset); the classifier moves toward the target in "
        "{:.1f}% of {} cases (P(target) {:.3f} -> {:.3f})\n",
        100.0 * t.kept_notes, 100.0 * t.moved_toward_target, t.transform_cases, t.target_probability_before,
        t.target_probability_after);
}

int run(int argc, char** argv) {
  Args args("evaluate-vae", "",
            "Evaluate a VAE on a split of a labelled collection: reconstruction teacher forced and\n"
            "greedy (token accuracy and note F1), KL and active latent dimensions, interpolation\n"
            "smoothness, and with the emotion classifier how often `transform --to Q` makes a piece\n"
            "classified as Q.");
  args.option("data", "DIR", "dataset folder or CSV list");
  args.option("split", "train|validation|test", "split to evaluate on", "test");
  args.option("segments", "N", "segments for reconstruction", "256");
  args.option("pairs", "N", "piece pairs to interpolate", "16");
  args.option("span-segments", "N", "interpolate the pairs' first N segments too, as one span (0 = skip)", "4");
  args.option("transform-pieces", "N", "pieces per quadrant to transform (0 = skip)", "8");
  args.option("strength", "K", "attribute vector multiple for the transform", "1.0");
  args.option("classifier", "FILE", "emotion classifier (default: the bundled one)");
  args.option("json", "FILE", "also write the figures as JSON");
  args.option("cache", "DIR|none", "token cache folder, or 'none'");
  add_vae_options(args);
  args.positionals(0, 0);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  // Checked before the VAE loads and the evaluation runs, not minutes into it.
  const long long span_segments = args.get_int("span-segments");
  if (span_segments < 0 || span_segments > 4096)
    throw Error(ErrorCode::invalid_argument, "--span-segments: must be in 0..4096");
  const int beams = beams_option(args);
  restart_with_tuned_runtime(true);
  if (args.get("data").empty()) {
    fmt::print(stderr, "emopiano evaluate-vae: --data is required (see --help)\n");
    return 2;
  }
  const std::string split_text = args.get("split");
  const Split split = split_text == "train"                               ? Split::train
                      : split_text == "validation" || split_text == "val" ? Split::validation
                      : split_text == "test"
                          ? Split::test
                          : throw Error(ErrorCode::invalid_argument,
                                        fmt::format("--split: '{}' is not train, validation or test", split_text));
  EmotionVae vae = load_vae(args, false);
  std::unique_ptr<EmotionClassifier> classifier;
  if (args.get_int("transform-pieces") > 0) {
    const auto path =
        args.get("classifier").empty() ? bundled_classifier_path() : std::filesystem::path(args.get("classifier"));
    classifier = std::make_unique<EmotionClassifier>(EmotionClassifier::load(path));
  }
  ProgressBar bar;
  DatasetOptions options;
  options.tokenizer = vae.tokenizer().config();
  options.cache_dir = args.get("cache");
  options.progress = bar.callback();
  Dataset dataset = Dataset::load(args.get("data"), options);
  bar.finish();

  install_interrupt_handlers();
  VaeEvaluationOptions o;
  o.max_segments = static_cast<int>(args.get_int("segments"));
  o.interpolation_pairs = static_cast<int>(args.get_int("pairs"));
  o.transform_pieces = static_cast<int>(args.get_int("transform-pieces"));
  o.transform_strength = static_cast<float>(args.get_double("strength"));
  o.temperature = static_cast<float>(args.get_double("temperature"));
  o.beams = beams;
  o.progress = [&bar](const ProgressInfo& info) {
    bar.update(info);
    return !interrupted();
  };
  const VaeEvaluation r = evaluate_vae(vae, dataset, split, classifier.get(), o);
  bar.finish();

  fmt::print("split {}: {} segments of {} bars\n", r.split, r.segments, vae.config().segment_bars);
  fmt::print("reconstruction  {:.1f} nats/segment  teacher-forced accuracy {:.3f}  greedy accuracy {:.3f}\n",
             r.reconstruction, r.teacher_forced_accuracy, r.sampled_accuracy);
  int64_t kind_total = 0;
  for (const auto& k : r.accuracy_by_kind) kind_total += k.tokens;
  std::string by_kind;
  for (const auto& k : r.accuracy_by_kind)
    by_kind +=
        fmt::format("  {} {:.3f} ({:.0f}%)", k.kind, k.accuracy,
                    100.0 * static_cast<double>(k.tokens) / static_cast<double>(std::max<int64_t>(kind_total, 1)));
  fmt::print("  by kind (share of tokens):{}\n", by_kind);
  fmt::print("notes (greedy)  F1 {:.3f}   from a prior draw instead: F1 {:.3f}\n", r.sampled_note_f1, r.prior_note_f1);
  fmt::print("pitches (T {})  histogram overlap {:.3f}   from a prior draw instead: {:.3f}\n", o.temperature,
             r.sampled_pitch_overlap, r.prior_pitch_overlap);
  fmt::print("latent          KL {:.1f} nats/segment  active dimensions {}/{}\n", r.kl, r.active_dimensions,
             vae.config().latent_dim);
  if (r.interpolation_pairs > 0) {
    std::string curve;
    for (double d : r.distance_to_a) curve += fmt::format(" {:.2f}", d);
    fmt::print("interpolation   {} pairs, note distance to A by step:{}; monotonic in {:.0f}% of pairs\n",
               r.interpolation_pairs, curve, 100.0 * r.monotonic_fraction);
    fmt::print("                95% intervals of those means (Student's t over the pairs):{}\n",
               step_intervals(r.distance_paths));
  }
  if (r.transform_cases > 0) {
    fmt::print(
        "transform       {} cases: classified as the target {:.3f} (vector + condition), {:.3f} "
        "(condition only), {:.3f} (originals, baseline)\n",
        r.transform_cases, r.transform_success, r.condition_only_success, r.baseline_success);
    fmt::print("                from\\to    Q1    Q2    Q3    Q4\n");
    for (int f = 0; f < 4; ++f) {
      std::string row;
      for (int t = 0; t < 4; ++t)
        row += f == t ? "     -"
                      : fmt::format(" {:5.2f}", r.transform_matrix[static_cast<size_t>(f)][static_cast<size_t>(t)]);
      fmt::print("                Q{}     {}\n", f + 1, row);
    }
  }
  VaeTargetOptions t;
  t.pairs = o.interpolation_pairs;
  t.steps = o.interpolation_steps;
  t.transform_pieces = o.transform_pieces;
  t.span_segments = static_cast<int>(span_segments);
  t.strength = o.transform_strength;
  t.beams = o.beams;
  t.progress = o.progress;
  const VaeTargetEvaluation targets = evaluate_vae_targets(vae, dataset, split, classifier.get(), t);
  bar.finish();
  print_vae_targets(targets);
  fmt::print("{:.0f} s\n", r.seconds + targets.seconds);
  if (!args.get("json").empty()) {
    auto j = nlohmann::json::parse(r.to_json());
    j["targets"] = nlohmann::json::parse(targets.to_json());
    j["beams"] = o.beams;
    detail::write_file_atomically(args.get("json"), j.dump(1) + "\n");
  }
  return 0;
}

CommandRegistrar registrar("evaluate-vae", "figures of a VAE on a held-out split", run);

}  // namespace
}  // namespace emopiano::cli
