// emopiano train-classifier --data DIR --out CLASSIFIER.pt: trains the
// emotion classifier on a labelled collection (train split), keeps the
// weights with the best validation accuracy, and reports the accuracy on the
// test split beside the EMOPIA paper's symbolic baselines.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/output_path.hpp"
#include "cli/process_control.hpp"
#include "cli/progress_bar.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/dataset.hpp"
#include "emopiano/error.hpp"
#include "emopiano/evaluation.hpp"
#include "emopiano/sampler.hpp"

namespace emopiano::cli {
namespace {

namespace fs = std::filesystem;

int run(int argc, char** argv) {
  Args args("train-classifier", "",
            "Train the emotion classifier on a labelled MIDI collection (EMOPIA layout, Q1..Q4\n"
            "folders or a CSV). Validation accuracy picks the weights kept; the test split's\n"
            "accuracy (4 quadrants, arousal, valence) is reported at the end.");
  args.option("data", "DIR", "dataset folder or CSV list");
  args.option("out", "CLASSIFIER.pt", "where to write the classifier");
  args.option("config", "FILE", "JSON with optional \"classifier\" and \"train\" sections");
  args.option("threads", "N", "LibTorch threads, 0 = all cores");
  args.option("max-minutes", "M", "wall-clock budget in minutes");
  args.option("max-steps", "N", "training steps");
  args.option("seed", "S", "random seed");
  args.option("bf16", "auto|on|off", "bfloat16 autocast", "auto");
  args.option("cache", "DIR|none", "token cache folder, or 'none'");
  args.positionals(0, 0);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(true);
  for (const char* required : {"data", "out"}) {
    if (args.get(required).empty()) {
      fmt::print(stderr, "emopiano train-classifier: --{} is required (see --help)\n", required);
      return 2;
    }
  }
  create_output_folder(args.get("out"));
  ClassifierConfig cc;
  ClassifierTrainerConfig tc;
  if (args.has("config")) {
    std::ifstream in(args.get("config"));
    if (!in) throw Error(ErrorCode::io, fmt::format("cannot read {}", args.get("config")));
    std::stringstream text;
    text << in.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw Error(ErrorCode::format, fmt::format("{}: expected a JSON object", args.get("config")));
    if (j.contains("classifier")) cc = ClassifierConfig::from_json(j["classifier"].dump());
    if (j.contains("train")) {
      const auto& t = j["train"];
      tc.max_steps = t.value("max_steps", tc.max_steps);
      tc.batch_size = t.value("batch_size", tc.batch_size);
      tc.learning_rate = t.value("learning_rate", tc.learning_rate);
      tc.weight_decay = t.value("weight_decay", tc.weight_decay);
      tc.warmup_steps = t.value("warmup_steps", tc.warmup_steps);
      tc.transpose_min = t.value("transpose_min", tc.transpose_min);
      tc.transpose_max = t.value("transpose_max", tc.transpose_max);
      tc.eval_every = t.value("eval_every", tc.eval_every);
      tc.seed = t.value("seed", tc.seed);
    }
  }
  if (args.has("threads")) tc.threads = static_cast<int>(args.get_int("threads"));
  // The library never changes the process-wide thread count on its own; the
  // program owns its process and sets it (0 = all cores).
  set_compute_threads(tc.threads);
  if (args.has("max-minutes")) tc.max_minutes = args.get_double("max-minutes");
  if (args.has("max-steps")) tc.max_steps = args.get_int("max-steps");
  if (args.has("seed")) tc.seed = static_cast<uint64_t>(args.get_int("seed"));
  const std::string bf16 = args.get("bf16");
  tc.bf16 = bf16 == "on" ? Bf16Mode::on : bf16 == "off" ? Bf16Mode::off : Bf16Mode::automatic;
  tc.validate();

  ProgressBar bar;
  DatasetOptions options;
  options.cache_dir = args.get("cache");
  options.threads = tc.threads;
  options.progress = bar.callback();
  Dataset dataset = Dataset::load(args.get("data"), options);
  bar.finish();
  fmt::print(stderr, "dataset ({}): {} train / {} validation / {} test pieces\n", dataset.layout(),
             dataset.split(Split::train).size(), dataset.split(Split::validation).size(),
             dataset.split(Split::test).size());

  EmotionClassifier classifier = EmotionClassifier::create(cc, options.tokenizer, tc.seed);
  if (cc.architecture == "features")
    fmt::print(stderr, "classifier: logistic regression, {} parameters\n", classifier.parameter_count());
  else
    fmt::print(stderr, "classifier: Transformer, {} parameters, {} layers x {}, window {}\n",
               classifier.parameter_count(), cc.n_layers, cc.d_model, cc.window);
  install_interrupt_handlers();
  ClassifierTrainerHooks hooks;
  hooks.progress = [&bar](const ProgressInfo& info) {
    bar.update(info);
    return !interrupted();
  };
  hooks.on_validation = [&bar](const ClassifierValidation& v) {
    bar.finish();
    fmt::print(stderr, "step {:>6}  train loss {:.4f}  val loss {:.4f}  val acc {:.3f}  {:.0f} s\n", v.step,
               v.train_loss, v.validation_loss, v.validation_accuracy, v.elapsed_seconds);
  };
  ClassifierTrainResult r = train_classifier(classifier, dataset, tc, hooks);
  bar.finish();

  // Accuracy on the held-out test split, recorded in the file too.
  auto meta = nlohmann::json::parse(classifier.metadata_json());
  EmotionAccuracy test;
  for (const DatasetItem* item : dataset.split(Split::test))
    test.add(item->label, classifier.classify_tokens(item->tokens));
  if (test.total > 0) meta["test"] = nlohmann::json::parse(test.to_json());
  meta["command"] = "emopiano train-classifier" + [&] {
    std::string s;
    for (int i = 1; i < argc; ++i) s += std::string(" ") + argv[i];
    return s;
  }();
  classifier.set_metadata_json(meta.dump());
  classifier.save(args.get("out"));

  fmt::print("trained {} steps in {:.1f} min{}{}; best validation accuracy {:.3f} at step {}\n", r.steps,
             r.train_seconds / 60.0, r.bf16 ? ", bf16" : "", r.stopped_by_time ? " (time budget)" : "",
             r.best_validation_accuracy, r.best_step);
  if (test.total > 0)
    fmt::print("test ({} pieces): 4Q {:.3f}  arousal {:.3f}  valence {:.3f}\n", test.total, test.accuracy(),
               test.arousal_accuracy(), test.valence_accuracy());
  fmt::print("classifier written to {}\n", args.get("out"));
  return 0;
}

CommandRegistrar registrar("train-classifier", "train the emotion classifier on a labelled collection", run);

}  // namespace
}  // namespace emopiano::cli
