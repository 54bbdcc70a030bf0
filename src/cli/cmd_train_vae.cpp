// emopiano train-vae --data DIR --out VAE.pt: trains the conditional VAE on a
// labelled collection's segments, with progress, Ctrl-C (checkpoint, then
// stop) and --resume.
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/output_path.hpp"
#include "cli/process_control.hpp"
#include "cli/progress_bar.hpp"
#include "cli/weights_option.hpp"
#include "emopiano/dataset.hpp"
#include "emopiano/error.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/vae.hpp"
#include "train/resume_point.hpp"

namespace emopiano::cli {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::io, fmt::format("cannot read {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The file an --init-* option names, or the bundled one for 'bundled'.
fs::path file_or_bundled(const Args& args, const char* option, fs::path (*bundled)()) {
  const std::string from = args.get(option);
  return from == "bundled" ? bundled() : fs::path(from);
}

int run(int argc, char** argv) {
  Args args("train-vae", "",
            "Train the conditional VAE on the segments of a labelled MIDI collection (EMOPIA\n"
            "layout, Q1..Q4 folders or a CSV). Logs reconstruction, KL, beta and active latent\n"
            "dimensions; Ctrl-C saves a checkpoint that --resume continues.");
  args.option("data", "DIR", "dataset folder or CSV list");
  args.option("out", "VAE.pt", "where to write the VAE");
  add_weights_option(args);
  args.option("config", "FILE", "JSON with optional \"vae\" (VaeConfig) and \"train\" (VaeTrainerConfig) sections");
  args.option("checkpoint-dir", "DIR", "checkpoint folder");
  args.option("resume", "DIR", "continue from this checkpoint folder, with its settings unless --config has \"train\"");
  args.option("init-decoder", "MODEL.pt",
              "start the decoder from this trained generator of the same width (the bundled model: 'bundled')");
  args.option("init-encoder", "MODEL.pt",
              "start the encoder's blocks from this generator's first blocks (the bundled model: 'bundled')");
  args.option("init-vae", "VAE.pt",
              "start from this trained VAE where names and shapes match; parts the config adds start as "
              "the identity; "
              "without a \"vae\" section in --config, its own shape (the bundled VAE: 'bundled')");
  args.option("log", "FILE", "JSON-lines training log");
  args.option("threads", "N", "LibTorch threads, 0 = all cores");
  args.option("max-minutes", "M", "wall-clock budget in minutes");
  args.option("max-steps", "N", "training steps");
  args.option("seed", "S", "random seed");
  args.option("bf16", "auto|on|off", "bfloat16 autocast", "auto");
  args.option("cache", "DIR|none", "token cache folder, or 'none'");
  args.positionals(0, 0);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  const WeightStorage weights = weights_option(args);  // a bad value fails before training
  restart_with_tuned_runtime(true);
  for (const char* required : {"data", "out"}) {
    if (args.get(required).empty()) {
      fmt::print(stderr, "emopiano train-vae: --{} is required (see --help)\n", required);
      return 2;
    }
  }
  create_output_folder(args.get("out"));
  VaeConfig vc;
  bool vae_configured = false, train_configured = false;
  VaeTrainerConfig tc;
  if (args.has("config")) {
    const std::string path = args.get("config");
    auto j = nlohmann::json::parse(read_text(path), nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw Error(ErrorCode::format, fmt::format("{}: expected a JSON object", path));
    if (j.contains("vae")) {
      vc = VaeConfig::from_json(j["vae"].dump());
      vae_configured = true;
    }
    if (j.contains("train")) {
      tc = VaeTrainerConfig::from_json(j["train"].dump());
      train_configured = true;
    }
  }
  // Resuming without a "train" section: the settings the run was started with,
  // as its checkpoint recorded them, not the defaults.
  if (args.has("resume") && !train_configured)
    tc = VaeTrainerConfig::from_json(train::choose_resume_point(args.get("resume")).config_json);
  if (args.has("threads")) tc.threads = static_cast<int>(args.get_int("threads"));
  // The library never changes the process-wide thread count on its own; the
  // program owns its process and sets it (0 = all cores).
  set_compute_threads(tc.threads);
  if (args.has("max-minutes")) tc.max_minutes = args.get_double("max-minutes");
  if (args.has("max-steps")) tc.max_steps = args.get_int("max-steps");
  if (args.has("seed")) tc.seed = static_cast<uint64_t>(args.get_int("seed"));
  if (args.has("log")) tc.log_path = args.get("log");
  // A resumed run goes on writing checkpoints where it resumed from, unless told
  // otherwise (the folder its checkpoint recorded may be relative to another place).
  if (args.has("resume") && (!train_configured || tc.checkpoint_dir.empty())) tc.checkpoint_dir = args.get("resume");
  if (args.has("checkpoint-dir")) tc.checkpoint_dir = args.get("checkpoint-dir");
  const std::string bf16 = args.get("bf16");
  tc.bf16 = bf16 == "on" ? Bf16Mode::on : bf16 == "off" ? Bf16Mode::off : Bf16Mode::automatic;
  if (tc.dataset_name.empty()) tc.dataset_name = fs::path(args.get("data")).lexically_normal().filename().string();
  tc.validate();
  for (const char* init : {"init-decoder", "init-encoder", "init-vae"}) {
    if (args.has("resume") && args.has(init))
      throw Error(ErrorCode::invalid_argument, fmt::format("--{} starts a new run: it cannot go with --resume", init));
  }
  if (args.has("init-vae") && (args.has("init-decoder") || args.has("init-encoder")))
    throw Error(ErrorCode::invalid_argument,
                "--init-vae starts from a whole VAE: it cannot go with --init-decoder or --init-encoder");

  // --init-vae: the trained VAE's own shape unless the config file gives one, read
  // before the dataset so that a bad file is reported at once.
  std::optional<EmotionVae> trained;
  fs::path trained_path;
  if (args.has("init-vae")) {
    trained_path = file_or_bundled(args, "init-vae", bundled_vae_path);
    trained = EmotionVae::load(trained_path);
    if (!vae_configured) vc = trained->config();
  }
  ProgressBar bar;
  DatasetOptions options;
  options.cache_dir = args.get("cache");
  options.threads = tc.threads;
  options.progress = bar.callback();
  Dataset dataset = Dataset::load(args.get("data"), options);
  bar.finish();
  fmt::print(stderr, "dataset ({}): {} train / {} validation pieces\n", dataset.layout(),
             dataset.split(Split::train).size(), dataset.split(Split::validation).size());

  install_interrupt_handlers();
  VaeTrainerHooks hooks;
  hooks.progress = [&bar](const ProgressInfo& info) {
    bar.update(info);
    return !interrupted();
  };
  hooks.on_validation = [&bar](const VaeMetrics& v) {
    bar.finish();
    fmt::print(stderr,
               "step {:>6}  train loss {:.4f}  val rec {:.1f} nats/segment ({:.3f}/token, acc {:.3f})  KL {:.1f}  "
               "beta {:.3f}  active dims {}  {:.0f} s\n",
               v.step, v.train_loss, v.reconstruction, v.token_loss, v.accuracy, v.kl, v.beta, v.active_dimensions,
               v.elapsed_seconds);
  };
  std::string decoder_from, encoder_from;
  nlohmann::json vae_from;  // the trained VAE's file and its provenance (--init-vae)
  auto fresh = [&] {
    EmotionVae vae = EmotionVae::create(vc, options.tokenizer, tc.seed);
    if (args.has("init-decoder")) {
      const fs::path path = file_or_bundled(args, "init-decoder", bundled_model_path);
      vae = vae.with_decoder_from(Model::load(path, LoadOptions{InferencePrecision::f32}));
      decoder_from = path.filename().string();
      fmt::print(stderr, "decoder started from {}\n", path.string());
    }
    if (args.has("init-encoder")) {
      const fs::path path = file_or_bundled(args, "init-encoder", bundled_model_path);
      vae = vae.with_encoder_from(Model::load(path, LoadOptions{InferencePrecision::f32}));
      encoder_from = path.filename().string();
      fmt::print(stderr, "encoder started from {}\n", path.string());
    }
    if (trained) {
      vae = vae.with_weights_from(*trained);
      vae_from = {{"file", trained_path.filename().string()}};
      auto prior = nlohmann::json::parse(trained->metadata_json(), nullptr, false);
      if (prior.is_object()) vae_from["metadata"] = prior;
      fmt::print(stderr, "started from the VAE {}\n", trained_path.string());
    }
    return vae;
  };
  const std::string command = "emopiano train-vae" + [&] {
    std::string s;
    for (int i = 1; i < argc; ++i) s += std::string(" ") + argv[i];
    return s;
  }();
  // Provenance goes into the VAE's metadata before training, so checkpoints
  // carry it and a resumed run keeps it.
  auto with_provenance = [&](EmotionVae vae) {
    auto meta = nlohmann::json::parse(vae.metadata_json(), nullptr, false);
    if (!meta.is_object()) meta = nlohmann::json::object();
    if (!decoder_from.empty()) meta["decoder_initialised_from"] = decoder_from;
    if (!encoder_from.empty()) meta["encoder_initialised_from"] = encoder_from;
    if (!vae_from.is_null()) meta["initialised_from_vae"] = vae_from;
    meta["command"] = command;
    vae.set_metadata_json(meta.dump());
    return vae;
  };
  auto trainer = args.has("resume") ? VaeTrainer::resume(args.get("resume"), dataset, tc, hooks)
                                    : VaeTrainer(with_provenance(fresh()), dataset, tc, hooks);
  fmt::print(stderr, "VAE: {} parameters, encoder {} x {}, decoder {} x {}, latent {}, {} bars per segment\n",
             trainer.vae().parameter_count(), trainer.vae().config().encoder_layers, trainer.vae().config().d_model,
             trainer.vae().config().decoder_layers, trainer.vae().config().d_model, trainer.vae().config().latent_dim,
             trainer.vae().config().segment_bars);
  VaeTrainResult r = trainer.run();
  bar.finish();
  EmotionVae vae = trainer.vae();
  auto meta = nlohmann::json::parse(vae.metadata_json());
  // A resumed run: the commands before this one are kept, oldest first.
  if (args.has("resume") && meta.contains("command") && meta["command"] != command) {
    if (!meta.contains("earlier_commands") || !meta["earlier_commands"].is_array())
      meta["earlier_commands"] = nlohmann::json::array();
    meta["earlier_commands"].push_back(meta["command"]);
  }
  meta["command"] = command;
  vae.set_metadata_json(meta.dump());
  vae.save(args.get("out"), weights);
  fmt::print(
      "trained {} steps in {:.1f} min{}{}; validation: reconstruction {:.1f} nats/segment, accuracy {:.3f}, "
      "KL {:.1f}, active dimensions {}/{}\n",
      r.steps, r.train_seconds / 60.0, r.bf16 ? ", bf16" : "", r.stopped_by_time ? " (time budget)" : "",
      r.validation.reconstruction, r.validation.accuracy, r.validation.kl, r.validation.active_dimensions,
      vae.config().latent_dim);
  fmt::print("VAE written to {}\n", args.get("out"));
  return 0;
}

CommandRegistrar registrar("train-vae", "train the conditional VAE on a labelled collection", run);

}  // namespace
}  // namespace emopiano::cli
