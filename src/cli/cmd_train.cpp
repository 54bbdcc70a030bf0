// emopiano train --data DIR --config CONFIG.json --out MODEL.pt: trains a model
// on a labelled MIDI collection. Ctrl-C (or SIGTERM) saves a checkpoint and
// exits with 130; --resume continues from it. With --nproc, or --rank and
// --world-size (or torchrun's environment variables), it is one rank of a
// data-parallel run (docs/distributed.md).
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/local_ranks_launcher.hpp"
#include "cli/output_path.hpp"
#include "cli/process_control.hpp"
#include "cli/progress_bar.hpp"
#include "cli/weights_option.hpp"
#include "emopiano/dataset.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/trainer.hpp"
#include "train/resume_point.hpp"

namespace emopiano::cli {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, fmt::format("cannot read {}", path.string()));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The config file: {"model": {...}, "tokenizer": {...}, "train": {...}}, each part optional.
struct ConfigFile {
  ModelConfig model;
  TokenizerConfig tokenizer;
  TrainerConfig train;
  bool has_model = false, has_tokenizer = false;  // sections present in the file
};

ConfigFile read_config(const fs::path& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorCode::format, fmt::format("{}: malformed JSON: {}", path.string(), e.what()));
  }
  if (!j.is_object()) throw Error(ErrorCode::format, fmt::format("{}: expected a JSON object", path.string()));
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "model" && it.key() != "tokenizer" && it.key() != "train" && it.key() != "comment")
      throw Error(
          ErrorCode::invalid_argument,
          fmt::format("{}: unknown section \"{}\" (expected model, tokenizer, train)", path.string(), it.key()));
  ConfigFile c;
  try {
    c.has_model = j.contains("model");
    c.has_tokenizer = j.contains("tokenizer");
    if (c.has_model) c.model = ModelConfig::from_json(j["model"].dump());
    if (c.has_tokenizer) c.tokenizer = TokenizerConfig::from_json(j["tokenizer"].dump());
    if (j.contains("train")) c.train = TrainerConfig::from_json(j["train"].dump());
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{}: {}", path.string(), e.what()));
  }
  return c;
}

// Without --config: the config the bundled model was trained with, read from
// the model itself (its architecture and vocabulary, and the trainer settings
// its metadata records), so a first run needs no file. Paths of that run (log,
// checkpoints, dataset name) are not carried over.
ConfigFile bundled_model_config(bool lead) {
  const fs::path path = bundled_model_path();
  const Model bundled = Model::load(path, LoadOptions{InferencePrecision::f32});  // read, never run
  ConfigFile c;
  c.model = bundled.config();
  c.tokenizer = bundled.tokenizer().config();
  const auto meta = nlohmann::json::parse(bundled.metadata_json(), nullptr, false);
  if (meta.is_object() && meta.contains("config") && meta["config"].contains("train"))
    c.train = TrainerConfig::from_json(meta["config"]["train"].dump());
  c.train.log_path.clear();
  c.train.checkpoint_dir.clear();
  c.train.dataset_name.clear();
  if (lead) fmt::print(stderr, "no --config: the bundled model's config ({})\n", path.string());
  return c;
}

// The rank settings: torchrun's environment variables, then the options.
DistributedConfig distributed_config(const Args& args) {
  DistributedConfig d = DistributedConfig::from_environment();
  if (args.has("rank")) d.rank = static_cast<int>(args.get_int("rank"));
  if (args.has("world-size")) d.world_size = static_cast<int>(args.get_int("world-size"));
  if (args.has("master-addr")) d.master_addr = args.get("master-addr");
  if (args.has("master-port")) d.master_port = static_cast<int>(args.get_int("master-port"));
  if (args.has("dist-timeout")) d.timeout_seconds = args.get_double("dist-timeout");
  if (args.has("dist-interface")) d.interface = args.get("dist-interface");
  if (args.has("dist-bucket-mb")) d.bucket_megabytes = args.get_double("dist-bucket-mb");
  if (args.has("dist-no-overlap")) d.overlap_backward = false;
  d.validate();
  return d;
}

// --nproc K: the same command once per rank, as children of this process.
int launch_local_ranks(const Args& args, int argc, char** argv) {
  const long long nproc = args.get_int("nproc");
  if (nproc < 1 || nproc > 256) {
    fmt::print(stderr, "emopiano train: --nproc {} is not in 1..256\n", nproc);
    return 2;
  }
  if (args.has("rank") || args.has("world-size")) {
    fmt::print(stderr, "emopiano train: --nproc starts the ranks itself; leave out --rank and --world-size\n");
    return 2;
  }
  DistributedConfig d = distributed_config(args);
  const int port = args.has("master-port") ? static_cast<int>(d.master_port) : free_loopback_port();
  // The ranks share the cores: each gets its part, so OpenMP workers do not
  // fight over them (two ranks with two threads each on two cores crawl).
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int threads = args.has("threads") ? static_cast<int>(args.get_int("threads"))
                                          : std::max(1, static_cast<int>(cores / static_cast<unsigned>(nproc)));
  std::vector<std::string> common = {"train"};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--nproc" || a == "--threads" || a == "--master-port" || a == "--master-addr") {
      ++i;  // and its value
      continue;
    }
    if (a.rfind("--nproc=", 0) == 0 || a.rfind("--threads=", 0) == 0 || a.rfind("--master-port=", 0) == 0 ||
        a.rfind("--master-addr=", 0) == 0)
      continue;
    common.push_back(a);
  }
  std::vector<std::vector<std::string>> rank_args;
  for (long long r = 0; r < nproc; ++r) {
    auto words = common;
    for (const std::string& w :
         {std::string("--rank"), std::to_string(r), std::string("--world-size"), std::to_string(nproc),
          std::string("--master-addr"), d.master_addr, std::string("--master-port"), std::to_string(port),
          std::string("--threads"), std::to_string(threads)})
      words.push_back(w);
    rank_args.push_back(std::move(words));
  }
  fmt::print(stderr, "starting {} ranks on {}:{}, {} thread{} each\n", nproc, d.master_addr, port, threads,
             threads == 1 ? "" : "s");
  return run_local_ranks(rank_args, d.timeout_seconds + 30.0);
}

int run(int argc, char** argv) {
  Args args("train", "",
            "Train an emotion-conditioned model on a labelled MIDI collection (EMOPIA layout,\n"
            "Q1..Q4 folders or a CSV; see 'emopiano dataset'). The config file holds the\n"
            "\"model\", \"tokenizer\" and \"train\" sections (see models/small.json).\n"
            "Ctrl-C saves a checkpoint and exits with 130; --resume continues from it.");
  args.option("data", "DIR", "dataset folder or CSV list");
  args.option("config", "FILE", "JSON config (model, tokenizer, train); default: the bundled model's");
  args.option("out", "MODEL.pt", "where to write the trained model");
  add_weights_option(args);
  args.option("resume", "DIR", "continue from this checkpoint directory");
  args.option("init", "MODEL.pt",
              "fine-tune: start from this model's weights (its architecture and tokenizer must match the "
              "config's sections; missing sections are taken from the model)");
  args.option("checkpoint-dir", "DIR",
              "checkpoint directory (default MODEL.pt.ckpt); it also keeps best_model.pt, the weights of the lowest "
              "validation loss");
  args.option("log", "FILE", "JSON-lines training log (default: the config's log_path)");
  args.option("threads", "N", "LibTorch threads, 0 = all cores");
  args.option("max-minutes", "M", "wall-clock budget: validate, checkpoint and stop after M minutes");
  args.option("max-steps", "N", "override the config's max_steps");
  args.option("bf16", "auto|on|off", "bfloat16 autocast (default: the config's, normally auto)");
  args.option("cache", "DIR|none", "token cache folder, or 'none'");
  args.option("nproc", "K", "data-parallel: start K ranks on this host (threads split between them)");
  args.option("rank", "R", "data-parallel: this process's rank, 0..N-1 (default $RANK)");
  args.option("world-size", "N", "data-parallel: number of ranks (default $WORLD_SIZE, else 1)");
  args.option("master-addr", "HOST", "data-parallel: rank 0's address (default $MASTER_ADDR, else 127.0.0.1)");
  args.option("master-port", "PORT", "data-parallel: rank 0's rendezvous port (default $MASTER_PORT, else 29500)");
  args.option("dist-timeout", "S", "data-parallel: seconds to wait for the other ranks (default 300)");
  args.option("dist-interface", "IF", "data-parallel: network interface for gradients (default $GLOO_SOCKET_IFNAME)");
  args.option("dist-bucket-mb", "MB", "data-parallel: gradient all-reduce bucket size (default 4)");
  args.flag("dist-no-overlap", "data-parallel: all-reduce after the backward pass instead of during it");
  args.positionals(0, 0);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  const WeightStorage weights = weights_option(args);  // a bad value fails before training
  restart_with_tuned_runtime(true);
  if (args.has("nproc")) return launch_local_ranks(args, argc, argv);
  const DistributedConfig dist = distributed_config(args);
  // A rank whose peer dies may still write to their socket: without this the
  // write kills it with SIGPIPE before it can report which rank stopped.
  if (dist.enabled()) std::signal(SIGPIPE, SIG_IGN);
  // Rank 0 speaks for the run; the other ranks print only their errors.
  const bool lead = dist.rank == 0;
  for (const char* required : {"data", "out"}) {
    if (args.get(required).empty()) {
      fmt::print(stderr, "emopiano train: --{} is required (see --help)\n", required);
      return 2;
    }
  }
  const fs::path out = args.get("out");
  if (lead) create_output_folder(out);
  const fs::path resume = args.get("resume");
  ConfigFile cfg;
  if (!args.get("config").empty()) {
    cfg = read_config(args.get("config"));
  } else if (resume.empty()) {
    cfg = bundled_model_config(lead);
  } else {
    // Resuming without a config: the checkpoint's model and trainer settings.
    cfg.train = TrainerConfig::from_json(train::choose_resume_point(resume).config_json);
  }
  TrainerConfig& tc = cfg.train;
  if (args.has("threads")) tc.threads = static_cast<int>(args.get_int("threads"));
  // The library never changes the process-wide thread count on its own; the
  // program owns its process and sets it (0 = all cores).
  set_compute_threads(tc.threads);
  if (args.has("max-minutes")) tc.max_minutes = args.get_double("max-minutes");
  if (args.has("max-steps")) tc.max_steps = args.get_int("max-steps");
  if (args.has("log")) tc.log_path = args.get("log");
  if (args.has("bf16")) {
    auto v = nlohmann::json(args.get("bf16"));
    tc.bf16 = TrainerConfig::from_json(nlohmann::json{{"bf16", v}}.dump()).bf16;
  }
  tc.checkpoint_dir = args.has("checkpoint-dir") ? fs::path(args.get("checkpoint-dir"))
                      : !resume.empty()          ? resume
                                                 : fs::path(out.string() + ".ckpt");
  const fs::path data = args.get("data");
  if (tc.dataset_name.empty()) {
    fs::path d = fs::weakly_canonical(data);
    tc.dataset_name = (d.has_filename() ? d.filename() : d.parent_path().filename()).string();
  }
  tc.validate();

  // The dataset is tokenized with the model's vocabulary: from the config,
  // or from the checkpoint's model when resuming.
  std::optional<Model> resumed_model, initial_model;
  TokenizerConfig tokenizer = cfg.tokenizer;
  if (args.has("init") && resume.empty()) {
    initial_model = load_model_for_fine_tuning(args.get("init"), cfg.has_model ? &cfg.model : nullptr,
                                               cfg.has_tokenizer ? &cfg.tokenizer : nullptr);
    tokenizer = initial_model->tokenizer().config();
  }
  if (!resume.empty() && args.get("config").empty()) {
    resumed_model = Model::load(train::choose_resume_point(resume).model_file, LoadOptions{InferencePrecision::f32});
    tokenizer = resumed_model->tokenizer().config();
  }

  ProgressBar bar;
  DatasetOptions options;
  options.tokenizer = tokenizer;
  options.cache_dir = args.get("cache");
  options.threads = tc.threads;
  if (lead) options.progress = bar.callback();
  Dataset dataset = Dataset::load(data, options);
  bar.finish();
  if (lead)
    fmt::print(stderr, "dataset {} ({}): {} train / {} validation pieces, {} tokens; {} skipped\n", tc.dataset_name,
               dataset.layout(), dataset.split(Split::train).size(), dataset.split(Split::validation).size(),
               dataset.total_tokens(), dataset.skipped().size());

  install_interrupt_handlers();
  TrainerHooks hooks;
  hooks.progress = [&bar, lead](const ProgressInfo& info) {
    if (lead) bar.update(info);
    return !interrupted();
  };
  hooks.on_metrics = [&bar, lead](const EpochMetrics& e) {
    if (!lead) return;
    bar.finish();
    fmt::print(stderr,
               "step {:>7}  epoch {:>3}  train loss {:.4f}  val loss {:.4f}  ppl {:.2f}  acc {:.3f}  lr {:.2e}  {:.0f} "
               "tok/s\n",
               e.step, e.epoch, e.train_loss, e.validation.loss, e.validation.perplexity, e.validation.accuracy,
               e.learning_rate, e.tokens_per_second);
  };

  std::optional<Trainer> trainer;
  if (!resume.empty()) {
    if (lead) {
      const std::string fallback = train::choose_resume_point(resume).fallback_reason;
      if (!fallback.empty()) fmt::print(stderr, "warning: {}\n", fallback);
    }
    trainer.emplace(Trainer::resume(resume, dataset, tc, hooks, dist));
    if (lead) fmt::print(stderr, "resumed from {} at step {}\n", resume.string(), trainer->step());
  } else {
    Model model = initial_model ? *initial_model : Model::create(cfg.model, cfg.tokenizer, tc.seed);
    if (lead)
      fmt::print(stderr, "model: {} parameters, {} layers x {} wide, context {}{}{}\n", model.parameter_count(),
                 model.config().n_layers, model.config().d_model, model.config().context_length,
                 model.config().attention_window > 0
                     ? fmt::format(", attention window {}", model.config().attention_window)
                     : "",
                 initial_model ? fmt::format(", initialised from {}", args.get("init")) : "");
    trainer.emplace(model, dataset, tc, hooks, dist);
  }
  if (!lead) {
    trainer->run();
    return 0;  // rank 0 writes the model
  }
  fmt::print(stderr, "training {} steps ({} per epoch), batch {} x {} tokens{}{}\n", trainer->total_steps(),
             trainer->steps_per_epoch(), tc.batch_size, trainer->model().config().context_length,
             dist.enabled() ? fmt::format(" on each of {} ranks", dist.world_size) : "",
             tc.max_minutes > 0 ? fmt::format(", at most {} minutes", tc.max_minutes) : "");

  TrainResult r = trainer->run();
  bar.finish();
  trainer->model().save(out, weights);
  fmt::print("trained {} steps ({:.2f} epochs, {} tokens) in {:.1f} min{}{}\n", r.steps, r.epochs, r.tokens_seen,
             r.train_seconds / 60.0, r.bf16 ? ", bf16" : "", r.stopped_by_time ? ", stopped by the time budget" : "");
  fmt::print("validation: loss {:.4f}  perplexity {:.2f}  accuracy {:.3f} ({} tokens)\n", r.validation.loss,
             r.validation.perplexity, r.validation.accuracy, r.validation.tokens);
  fmt::print("model written to {}\n", out.string());
  if (!r.best_model.empty() && r.best_validation_step != r.steps)
    fmt::print("best validation: loss {:.4f} at step {}, kept in {}\n", r.best_validation_loss, r.best_validation_step,
               r.best_model.string());
  if (!r.checkpoint.empty()) fmt::print("checkpoint in {}\n", r.checkpoint.string());
  return 0;
}

CommandRegistrar registrar("train", "train a model on a labelled MIDI collection", run);

}  // namespace
}  // namespace emopiano::cli
