// The training loop: batches, AdamW with warm-up and cosine decay, optional
// bf16 autocast, validation, logging, checkpoints and exact resume.
#include "emopiano/trainer.hpp"

#include <torch/torch.h>

#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <random>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/version.hpp"
#include "model/model_file_format.hpp"
#include "model/model_impl.hpp"
#include "model/own_generator.hpp"
#include "model/torch_runtime.hpp"
#include "train/checkpoint.hpp"
#include "train/distributed_gradient_reducer.hpp"
#include "train/distributed_process_group.hpp"
#include "train/optimizer_step.hpp"
#include "train/pitch_transposer.hpp"
#include "train/resume_point.hpp"
#include "train/training_log.hpp"
#include "train/window_batcher.hpp"

namespace emopiano {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct SplitSummary {
  int64_t pieces = 0;
  int64_t tokens = 0;
};

std::vector<train::TrainingPiece> prepare_pieces(const Dataset& dataset, Split split, const Tokenizer& tokenizer,
                                                 SplitSummary& summary) {
  std::vector<train::TrainingPiece> pieces;
  const int32_t vocab = tokenizer.vocab_size();
  for (const DatasetItem* item : dataset.split(split)) {
    for (int32_t id : item->tokens) {
      if (id < 0 || id >= vocab)
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("dataset piece {} has token id {} outside the model's vocabulary of {}: "
                                "the dataset was tokenized with a different tokenizer config",
                                item->name, id, vocab));
    }
    if (item->tokens.size() < 2) continue;
    pieces.push_back(train::make_training_piece(tokenizer, item->tokens, item->label, item->labelled));
    summary.pieces += 1;
    summary.tokens += static_cast<int64_t>(item->tokens.size());
  }
  return pieces;
}

torch::Tensor as_tensor(std::vector<int64_t>& v, int64_t rows, int64_t length) {
  return torch::from_blob(v.data(), {rows, length}, torch::kLong);
}

// Dropout seed of one rank at one step in a distributed run: a function of
// (seed, rank, step) alone, so ranks draw different masks and a resumed run
// draws the masks an uninterrupted one would (SplitMix64 finaliser).
uint64_t dropout_seed(uint64_t seed, int rank, int64_t step) {
  uint64_t z = seed ^ (0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(rank) + 1)) ^
               (0xbf58476d1ce4e5b9ULL * static_cast<uint64_t>(step + 1));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

nlohmann::json metrics_json(const EvalMetrics& m) {
  return {{"loss", m.loss}, {"perplexity", m.perplexity}, {"accuracy", m.accuracy}, {"tokens", m.tokens}};
}

}  // namespace

struct Trainer::Impl {
  Model model;
  TrainerConfig config;
  TrainerHooks hooks;
  std::string dataset_layout;

  std::vector<train::TrainingPiece> train_pieces, validation_pieces;
  SplitSummary train_summary, validation_summary;
  std::unique_ptr<train::PitchTransposer> transposer;
  std::unique_ptr<train::WindowBatcher> train_batcher, validation_batcher;
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::mt19937_64 rng;
  detail::OwnGenerator dropout_rng;  // never LibTorch's global generator

  int64_t step = 0;
  int64_t tokens_seen = 0;
  double train_seconds = 0.0;  // before this run() call
  double best_validation_loss = 0.0;
  int64_t best_validation_step = 0;
  int64_t last_validated_epoch = 0;
  int64_t steps_per_epoch = 1;
  int64_t total_steps = 1;
  bool bf16 = false;
  fs::path last_checkpoint;
  std::unique_ptr<train::TrainingLog> log;
  nlohmann::json initialised_from;  // null for a model trained from scratch

  // Distributed runs (world_size > 1); null otherwise.
  DistributedConfig distributed;
  std::unique_ptr<train::ProcessGroup> group;
  std::unique_ptr<train::GradientReducer> reducer;
  int rank = 0, world_size = 1;
  bool replicas_synchronized = false;
  // Agreed by all ranks at the last step: stop at the next step boundary.
  bool agreed_cancel = false, agreed_time_up = false;
  // Since the last "step" log line: waiting for the gradients' all-reduce
  // after the backward pass, and in the loss all-reduce before it (where a
  // rank that computes faster waits for the slowest).
  double allreduce_wait_seconds = 0.0, loss_sync_seconds = 0.0;

  Impl(Model m, const Dataset& dataset, const TrainerConfig& cfg, TrainerHooks h, const DistributedConfig& dist = {})
      : model(copy_model(m)), config(cfg), hooks(std::move(h)), distributed(dist) {
    // A model that was trained before (fine-tuning from it): keep what its
    // training was, beside this one's.
    {
      auto prior = nlohmann::json::parse(model.metadata_json(), nullptr, false);
      if (prior.is_object() && prior.contains("training")) {
        initialised_from = {{"dataset", prior.value("dataset", nlohmann::json())},
                            {"training", prior["training"]},
                            {"validation", prior.value("validation", nlohmann::json())}};
        if (prior.contains("initialised_from")) initialised_from["initialised_from"] = prior["initialised_from"];
      }
    }
    config.validate();
    distributed.validate();
    if (distributed.enabled()) {
      rank = distributed.rank;
      world_size = distributed.world_size;
    }
    const Tokenizer& tok = model.tokenizer();
    const ModelConfig& mc = model.config();
    dataset_layout = dataset.layout();
    train_pieces = prepare_pieces(dataset, Split::train, tok, train_summary);
    validation_pieces = prepare_pieces(dataset, Split::validation, tok, validation_summary);
    if (train_pieces.empty())
      throw Error(ErrorCode::invalid_argument, "the dataset has no training pieces (split \"train\" is empty)");
    // Chord tokens name their root, which a pitch table cannot move: with
    // chords in the vocabulary the data is used untransposed.
    const bool can_transpose = !tok.config().use_chords && (config.transpose_min != 0 || config.transpose_max != 0);
    if (can_transpose)
      transposer = std::make_unique<train::PitchTransposer>(tok, config.transpose_min, config.transpose_max);
    train::WindowOptions window_options;
    window_options.emotion_dropout = config.emotion_dropout;
    window_options.join_probability = config.join_probability;
    window_options.join_inside = config.join_inside;
    train_batcher = std::make_unique<train::WindowBatcher>(train_pieces, mc.context_length, tok.pad_id(),
                                                           mc.max_bars - 1, transposer.get(), window_options);
    validation_batcher = std::make_unique<train::WindowBatcher>(validation_pieces, mc.context_length, tok.pad_id(),
                                                                mc.max_bars - 1, nullptr);
    // batch_size is per rank: a step of a distributed run sees world_size times as many windows.
    const int64_t tokens_per_step = static_cast<int64_t>(config.batch_size) * world_size * mc.context_length;
    steps_per_epoch = std::max<int64_t>(1, (train_batcher->total_targets() + tokens_per_step - 1) / tokens_per_step);
    total_steps = config.max_steps > 0 ? config.max_steps : config.epochs * steps_per_epoch;

    bf16 = config.bf16 == Bf16Mode::on || (config.bf16 == Bf16Mode::automatic && detail::cpu_has_fast_bf16());

    optimizer = train::make_adamw(impl_of(model).net->named_parameters(true),
                                  torch::optim::AdamWOptions(config.learning_rate)
                                      .betas(std::make_tuple(config.adam_beta1, config.adam_beta2))
                                      .weight_decay(config.weight_decay),
                                  {"embedding"});

    rng.seed(config.seed);
    dropout_rng.seed(config.seed);
    // Only rank 0 writes the log (and the checkpoints).
    log = std::make_unique<train::TrainingLog>(rank == 0 ? config.log_path : fs::path());

    if (distributed.enabled()) {
      // Last, after the data are ready: the other ranks wait at the
      // rendezvous only for the time it takes them all to get here.
      group = std::make_unique<train::ProcessGroup>(distributed);
      std::vector<torch::Tensor> params;
      for (auto& p : impl_of(model).net->parameters(true))
        if (p.requires_grad()) params.push_back(p);
      reducer = std::make_unique<train::GradientReducer>(*group, std::move(params), distributed.bucket_megabytes,
                                                         distributed.overlap_backward);
    }
  }

  // Makes every rank hold rank 0's weights (and checks that resumed ranks
  // loaded the same checkpoint). Collective; done once, before the first
  // step or validation.
  void synchronize_replicas() {
    if (!group || replicas_synchronized) return;
    // What the checkpoint (or the fresh start) left: step and generator state.
    auto fingerprint =
        torch::tensor({static_cast<double>(step),
                       static_cast<double>(std::hash<std::string>{}(train::mt19937_state(rng)) % (1ULL << 52))},
                      torch::kDouble);
    auto theirs = fingerprint.clone();
    group->broadcast({theirs}, 0, "broadcasting rank 0's training state");
    auto differs = torch::tensor({torch::equal(fingerprint, theirs) ? 0.0 : 1.0}, torch::kDouble);
    auto any_differs = differs.clone();
    group->allreduce_max(any_differs, "comparing the ranks' training states");
    if (any_differs.item<double>() > 0.0)
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("distributed training, {}: the ranks do not start from the same state "
                              "(this rank: step {}; rank 0: step {}): every rank must resume from the same "
                              "checkpoint (a shared folder, or a copy of rank 0's on each host)",
                              group->describe(), step, static_cast<int64_t>(theirs[0].item<double>())));
    std::vector<torch::Tensor> tensors;
    torch::NoGradGuard no_grad;
    for (auto& p : impl_of(model).net->parameters(true)) tensors.push_back(p.detach());
    for (auto& b : impl_of(model).net->buffers(true)) tensors.push_back(b);
    group->broadcast(tensors, 0, "broadcasting rank 0's weights");
    replicas_synchronized = true;
  }

  const ModelConfig& model_config() const { return model.config(); }

  bool cancel_requested() const { return hooks.cancel.cancelled(); }

  void set_learning_rate(double lr) {
    for (auto& group : optimizer->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }

  // One optimizer step; returns the mean loss over the batch's targets.
  std::pair<double, int64_t> train_step() {
    auto& net = impl_of(model).net;
    net->train();
    train::Batch b = train_batcher->sample(config.batch_size, rng);
    auto tokens = as_tensor(b.tokens, b.rows, b.length);
    auto bars = as_tensor(b.bars, b.rows, b.length);
    auto positions = as_tensor(b.positions, b.rows, b.length);
    auto targets = as_tensor(b.targets, b.rows, b.length);
    auto emotion = torch::from_blob(b.emotion.data(), {b.rows, b.length, kNumQuadrants}, torch::kFloat);
    auto keys = as_tensor(b.keys, b.rows, b.length);

    set_learning_rate(learning_rate_at(config, step, total_steps));
    optimizer->zero_grad();
    detail::OwnGenerator::Lease dropout_draws(dropout_rng);
    torch::Tensor logits;
    {
      detail::Bf16Autocast autocast(bf16);
      logits = net->forward(tokens, bars, positions, emotion, keys);
    }
    // The loss in float32 whatever the forward precision.
    auto loss = torch::nn::functional::cross_entropy(
        logits.reshape({-1, logits.size(-1)}).to(torch::kFloat), targets.reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(model.tokenizer().pad_id()));
    const double value = loss.item<double>();
    train::finish_step(loss, value, "training", step, net->parameters(), config.grad_clip, *optimizer);
    return {value, b.target_count};
  }

  // One step of a distributed run. Every rank draws the same global batch of
  // batch_size * world_size windows from the shared generator (the windows a
  // single process with that batch would draw) and trains on its own slice
  // of rows. Each rank's loss is its sum over its targets divided by the
  // global batch's target count, so the gradients summed across ranks are
  // exactly those of the global batch's mean loss. The step's loss and the
  // ranks' stop requests are combined in one small all-reduce before the
  // backward pass; returns the global mean loss and the global target count.
  std::pair<double, int64_t> distributed_train_step(bool want_cancel, bool time_up) {
    auto& net = impl_of(model).net;
    net->train();
    const int64_t rows = config.batch_size;
    train::Batch b = train_batcher->sample(rows * world_size, rng);
    auto slice = [&](std::vector<int64_t>& v) { return as_tensor(v, b.rows, b.length).narrow(0, rank * rows, rows); };
    auto tokens = slice(b.tokens);
    auto bars = slice(b.bars);
    auto positions = slice(b.positions);
    auto targets = slice(b.targets);
    auto emotion = torch::from_blob(b.emotion.data(), {b.rows, b.length, kNumQuadrants}, torch::kFloat)
                       .narrow(0, rank * rows, rows);
    auto keys = slice(b.keys);

    set_learning_rate(learning_rate_at(config, step, total_steps));
    optimizer->zero_grad();
    dropout_rng.seed(dropout_seed(config.seed, rank, step));
    detail::OwnGenerator::Lease dropout_draws(dropout_rng);
    torch::Tensor logits;
    {
      detail::Bf16Autocast autocast(bf16);
      logits = net->forward(tokens, bars, positions, emotion, keys);
    }
    auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}).to(torch::kFloat),
                                                     targets.reshape({-1}),
                                                     torch::nn::functional::CrossEntropyFuncOptions()
                                                         .ignore_index(model.tokenizer().pad_id())
                                                         .reduction(torch::kSum)) /
                static_cast<double>(b.target_count);
    auto shared = torch::tensor({loss.item<double>(), want_cancel ? 1.0 : 0.0, time_up ? 1.0 : 0.0}, torch::kDouble);
    const auto sync_started = Clock::now();
    group->allreduce_sum(shared, "the all-reduce of the loss");
    loss_sync_seconds += std::chrono::duration<double>(Clock::now() - sync_started).count();
    const double value = shared[0].item<double>();
    agreed_cancel = shared[1].item<double>() > 0.0;
    agreed_time_up = shared[2].item<double>() > 0.0;
    // The gradients are all-reduced during the backward pass.
    train::finish_step(loss, value, "training", step, net->parameters(), config.grad_clip, *optimizer, [&] {
      reducer->prepare();
      loss.backward();
      reducer->finish();
      allreduce_wait_seconds += reducer->last_wait_seconds();
    });
    return {value, b.target_count};
  }

  EvalMetrics evaluate() {
    synchronize_replicas();
    EvalMetrics m;
    auto& net = impl_of(model).net;
    const bool was_training = net->is_training();
    net->eval();
    torch::NoGradGuard no_grad;
    auto windows = validation_batcher->evaluation_windows();
    if (group) {
      // Rank r evaluates windows r, r + world_size, ...; the sums are combined below.
      std::vector<train::WindowSpec> mine;
      for (size_t i = static_cast<size_t>(rank); i < windows.size(); i += static_cast<size_t>(world_size))
        mine.push_back(windows[i]);
      windows = std::move(mine);
    }
    double loss_sum = 0.0;
    int64_t correct = 0, count = 0;
    const int32_t pad = model.tokenizer().pad_id();
    const size_t rows = static_cast<size_t>(std::max(1, config.batch_size));
    auto started = Clock::now();
    for (size_t i = 0; i < windows.size(); i += rows) {
      std::vector<train::WindowSpec> chunk(
          windows.begin() + static_cast<std::ptrdiff_t>(i),
          windows.begin() + static_cast<std::ptrdiff_t>(std::min(windows.size(), i + rows)));
      train::Batch b = validation_batcher->make_batch(chunk);
      auto targets = as_tensor(b.targets, b.rows, b.length).reshape({-1});
      // Validation in the training precision: bf16 autocast is ~3.4x faster
      // than float32 here and agrees with it to well under 1% of the loss
      // (tests/train/trainer_test.cpp), so the whole validation split stays
      // affordable every epoch.
      torch::Tensor logits;
      {
        detail::Bf16Autocast autocast(bf16);
        logits = net->forward(as_tensor(b.tokens, b.rows, b.length), as_tensor(b.bars, b.rows, b.length),
                              as_tensor(b.positions, b.rows, b.length),
                              torch::from_blob(b.emotion.data(), {b.rows, b.length, kNumQuadrants}, torch::kFloat),
                              as_tensor(b.keys, b.rows, b.length));
      }
      logits = logits.reshape({-1, model.tokenizer().vocab_size()}).to(torch::kFloat);
      auto mask = targets.ne(pad);
      loss_sum += torch::nn::functional::cross_entropy(
                      logits, targets,
                      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(pad).reduction(torch::kSum))
                      .item<double>();
      correct += logits.argmax(-1).eq(targets).logical_and(mask).sum().item<int64_t>();
      count += b.target_count;
      if (hooks.progress) {
        ProgressInfo info{"validate", static_cast<int64_t>(std::min(windows.size(), i + rows)),
                          static_cast<int64_t>(windows.size()),
                          std::chrono::duration<double>(Clock::now() - started).count(), ""};
        if (!hooks.progress(info)) hooks.cancel.cancel();
      }
    }
    if (was_training) net->train();
    if (group) {
      auto sums = torch::tensor({loss_sum, static_cast<double>(correct), static_cast<double>(count)}, torch::kDouble);
      group->allreduce_sum(sums, "the all-reduce of the validation sums");
      loss_sum = sums[0].item<double>();
      correct = static_cast<int64_t>(std::llround(sums[1].item<double>()));
      count = static_cast<int64_t>(std::llround(sums[2].item<double>()));
    }
    m.tokens = count;
    if (count > 0) {
      m.loss = loss_sum / static_cast<double>(count);
      m.perplexity = std::exp(m.loss);
      m.accuracy = static_cast<double>(correct) / static_cast<double>(count);
    }
    return m;
  }

  train::TrainerState state() const {
    train::TrainerState s;
    s.step = step;
    s.tokens_seen = tokens_seen;
    s.train_seconds = train_seconds;
    s.best_validation_loss = best_validation_loss;
    s.best_validation_step = best_validation_step;
    s.last_validated_epoch = last_validated_epoch;
    s.rng = train::mt19937_state(rng);
    s.torch_rng = train::torch_generator_state(dropout_rng);
    s.config_json = config.to_json();
    s.train_pieces = train_summary.pieces;
    s.train_targets = train_batcher->total_targets();
    return s;
  }

  void restore(const train::TrainerState& s) {
    step = s.step;
    tokens_seen = s.tokens_seen;
    train_seconds = s.train_seconds;
    best_validation_loss = s.best_validation_loss;
    best_validation_step = s.best_validation_step;
    last_validated_epoch = s.last_validated_epoch;
    train::set_mt19937_state(rng, s.rng);
    train::set_torch_generator_state(dropout_rng, s.torch_rng);
  }

  std::string metadata(const EvalMetrics& final_metrics, double seconds, bool finished, bool stopped_by_time) const {
    nlohmann::json config_json = {
        {"model", nlohmann::json::parse(model.config().to_json())},
        {"tokenizer", nlohmann::json::parse(model.tokenizer().config().to_json())},
        {"train", nlohmann::json::parse(config.to_json())},
    };
    // Paths of this machine say nothing about the model.
    config_json["train"].erase("log_path");
    config_json["train"].erase("checkpoint_dir");
    nlohmann::json j = {
        {"emopiano_version", version_string()},
        {"created", train::utc_timestamp()},
        {"dataset",
         {{"name", config.dataset_name},
          {"layout", dataset_layout},
          {"train_split", "train"},
          {"train_pieces", train_summary.pieces},
          {"train_tokens", train_summary.tokens},
          {"validation_split", "validation"},
          {"validation_pieces", validation_summary.pieces},
          {"validation_tokens", validation_summary.tokens}}},
        {"training",
         {{"steps", step},
          {"planned_steps", total_steps},
          {"epochs", static_cast<double>(step) / static_cast<double>(steps_per_epoch)},
          {"tokens_seen", tokens_seen},
          {"seconds", seconds},
          {"bf16", bf16},
          {"threads", detail::torch_threads()},
          {"world_size", world_size},
          {"finished", finished},
          {"stopped_by_time", stopped_by_time},
          {"parameters", model.parameter_count()}}},
        {"validation", metrics_json(final_metrics)},
        {"best_validation_loss", best_validation_loss},
        {"config", config_json},
    };
    if (auto keys = key_distribution(); !keys.empty()) j["key_distribution"] = keys;
    // Whether the model learned the null emotion beside the quadrants: what
    // classifier-free guidance needs (the sampler's default depends on it).
    bool labelled = false;
    for (const auto& p : train_pieces) labelled = labelled || p.labelled;
    j["null_emotion"] = labelled && config.emotion_dropout > 0.0;
    if (!initialised_from.is_null()) j["initialised_from"] = initialised_from;
    return j.dump();
  }

  // Opening keys of the labelled training pieces, per quadrant: 24 counts in
  // key_index order (C..B major, C..B minor). The sampler draws a piece's key
  // from these when the user names none.
  nlohmann::json key_distribution() const {
    const Tokenizer& tok = model.tokenizer();
    std::array<std::array<int64_t, kNumKeys>, kNumQuadrants> counts{};
    bool any = false;
    for (const auto& p : train_pieces) {
      if (!p.labelled || p.opening_key < 0) continue;
      if (auto k = tok.key_of(p.opening_key)) {
        ++counts[static_cast<size_t>(p.label)][static_cast<size_t>(key_index(*k))];
        any = true;
      }
    }
    nlohmann::json j = nlohmann::json::object();
    if (!any) return j;
    for (int q = 0; q < kNumQuadrants; ++q) j[quadrant_name(static_cast<Quadrant>(q))] = counts[static_cast<size_t>(q)];
    return j;
  }

  fs::path best_model_path() const {
    return config.checkpoint_dir.empty() ? fs::path() : config.checkpoint_dir / CheckpointFiles::best_model;
  }

  // A validation loss below every one before: these weights are the run's
  // best, kept beside the checkpoints (rank 0 writes for all).
  void record_best(const EvalMetrics& v, double seconds_now) {
    best_validation_loss = v.loss;
    best_validation_step = step;
    if (config.checkpoint_dir.empty() || rank != 0) return;
    train::create_checkpoint_dir(config.checkpoint_dir);
    model.set_metadata_json(metadata(v, seconds_now, step >= total_steps, false));
    model.save(best_model_path());  // atomic: a crash keeps the best before
    log->write("best", {{"step", step}, {"val_loss", v.loss}, {"path", best_model_path().string()}});
  }

  // On resume, the best model on disk is the one to beat. It may be newer
  // than the checkpoint (the run stopped between the two): adopt it rather
  // than overwrite it with a worse one. Missing or unreadable, the next
  // validation writes a new one.
  void adopt_best_model_on_disk() {
    const fs::path path = best_model_path();
    if (path.empty()) return;
    std::string problem;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      problem = "is missing";
    } else {
      try {
        auto meta = nlohmann::json::parse(Model::load(path, LoadOptions{InferencePrecision::f32}).metadata_json(),
                                          nullptr, false);
        const nlohmann::json training = meta.is_object() ? meta.value("training", nlohmann::json()) : nlohmann::json();
        const nlohmann::json loss =
            meta.is_object() ? meta.value("best_validation_loss", nlohmann::json()) : nlohmann::json();
        const nlohmann::json steps =
            training.is_object() ? training.value("steps", nlohmann::json()) : nlohmann::json();
        if (!loss.is_number() || !steps.is_number_integer() || loss.get<double>() <= 0.0) {
          problem = "does not say its validation loss";
        } else if (best_validation_loss == 0.0 || loss.get<double>() < best_validation_loss) {
          best_validation_loss = loss.get<double>();
          best_validation_step = steps.get<int64_t>();
        }
      } catch (const Error& e) {
        problem = fmt::format("cannot be read ({})", e.what());
      }
    }
    if (problem.empty()) return;
    if (best_validation_loss > 0.0)
      log->write("warning",
                 {{"message", fmt::format("{} {}: the next validation writes it again", path.string(), problem)}});
    best_validation_loss = 0.0;
    best_validation_step = 0;
  }

  void checkpoint(double seconds_now) {
    if (config.checkpoint_dir.empty()) return;
    last_checkpoint = config.checkpoint_dir;
    if (rank != 0) return;  // the replicas are equal: rank 0 writes for all
    train::TrainerState s = state();
    s.train_seconds = seconds_now;
    train::save_checkpoint(config.checkpoint_dir, model, *optimizer, s);
    last_checkpoint = config.checkpoint_dir;
    log->write("checkpoint", {{"step", step}, {"dir", config.checkpoint_dir.string()}});
  }
};

Trainer::Trainer(Model model, const Dataset& dataset, const TrainerConfig& config, TrainerHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(model), dataset, config, std::move(hooks))) {}

Trainer::Trainer(Model model, const Dataset& dataset, const TrainerConfig& config, TrainerHooks hooks,
                 const DistributedConfig& distributed)
    : impl_(std::make_unique<Impl>(std::move(model), dataset, config, std::move(hooks), distributed)) {}

Trainer::Trainer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Trainer::~Trainer() = default;
Trainer::Trainer(Trainer&&) noexcept = default;
Trainer& Trainer::operator=(Trainer&&) noexcept = default;

Trainer Trainer::resume(const fs::path& dir, const Dataset& dataset, const TrainerConfig& config, TrainerHooks hooks) {
  return resume(dir, dataset, config, std::move(hooks), DistributedConfig{});
}

Trainer Trainer::resume(const fs::path& dir, const Dataset& dataset, const TrainerConfig& config, TrainerHooks hooks,
                        const DistributedConfig& distributed) {
  // The newest intact checkpoint: a damaged newest one falls back to the previous.
  const train::ResumePoint point = train::choose_resume_point(dir);
  train::TrainerState s = train::read_checkpoint_state_file(point.state_file);
  // Trained next: the float32 network only, no packed copy for generation.
  Model model = Model::load(dir / s.model_file, LoadOptions{InferencePrecision::f32});
  auto impl = std::make_unique<Impl>(std::move(model), dataset, config, std::move(hooks), distributed);
  train::load_optimizer(dir / s.optimizer_file, *impl->optimizer);
  impl->restore(s);
  impl->adopt_best_model_on_disk();
  impl->last_checkpoint = dir;
  if (s.train_targets != 0 && s.train_targets != impl->train_batcher->total_targets())
    impl->log->write("warning", {{"message", fmt::format("the training split changed since the checkpoint "
                                                         "({} target tokens then, {} now): the run will not "
                                                         "repeat an uninterrupted one",
                                                         s.train_targets, impl->train_batcher->total_targets())}});
  if (!point.fallback_reason.empty()) impl->log->write("warning", {{"message", point.fallback_reason}});
  impl->log->write("resume", {{"step", impl->step}, {"dir", dir.string()}});
  return Trainer(std::move(impl));
}

TrainResult Trainer::run() {
  Impl& m = *impl_;
  const auto started = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  const double budget = m.config.max_minutes * 60.0;
  const ModelConfig& mc = m.model_config();
  // Threads for this run only; the host's setting is back when it returns.
  detail::ScopedTorchThreads threads(m.config.threads);
  // However run() ends, the network is left in eval mode.
  struct EvalOnExit {
    Model& model;
    ~EvalOnExit() { impl_of(model).net->eval(); }
  } eval_on_exit{m.model};
  m.synchronize_replicas();

  m.log->write("start", {{"step", m.step},
                         {"world_size", m.world_size},
                         {"total_steps", m.total_steps},
                         {"steps_per_epoch", m.steps_per_epoch},
                         {"train_pieces", m.train_summary.pieces},
                         {"train_tokens", m.train_summary.tokens},
                         {"validation_pieces", m.validation_summary.pieces},
                         {"validation_tokens", m.validation_summary.tokens},
                         {"parameters", m.model.parameter_count()},
                         {"bf16", m.bf16},
                         {"cpu", detail::cpu_features().describe()},
                         {"threads", detail::torch_threads()},
                         {"model", nlohmann::json::parse(mc.to_json())},
                         {"train", nlohmann::json::parse(m.config.to_json())}});

  TrainResult result;
  result.bf16 = m.bf16;
  double report_loss = 0.0;
  int64_t report_steps = 0, report_tokens = 0;
  double log_loss = 0.0;
  int64_t log_steps = 0, log_tokens = 0;
  auto log_started = Clock::now();
  auto report_started = Clock::now();
  bool stop_requested = false;

  auto validate_and_report = [&](int64_t epoch) {
    EvalMetrics v = m.evaluate();
    if (v.tokens > 0 && (m.best_validation_loss == 0.0 || v.loss < m.best_validation_loss))
      m.record_best(v, m.train_seconds + elapsed());
    const double window = std::chrono::duration<double>(Clock::now() - report_started).count();
    EpochMetrics e;
    e.epoch = static_cast<int>(epoch);
    e.step = m.step;
    e.train_loss = report_steps ? report_loss / static_cast<double>(report_steps) : 0.0;
    e.validation = v;
    e.learning_rate = learning_rate_at(m.config, std::max<int64_t>(0, m.step - 1), m.total_steps);
    e.tokens_per_second = window > 0 ? static_cast<double>(report_tokens) / window : 0.0;
    e.elapsed_seconds = m.train_seconds + elapsed();
    m.log->write("eval", {{"step", m.step},
                          {"epoch", static_cast<double>(m.step) / static_cast<double>(m.steps_per_epoch)},
                          {"train_loss", e.train_loss},
                          {"val_loss", v.loss},
                          {"val_perplexity", v.perplexity},
                          {"val_accuracy", v.accuracy},
                          {"val_tokens", v.tokens},
                          {"best_val_loss", m.best_validation_loss},
                          {"best_step", m.best_validation_step},
                          {"lr", e.learning_rate},
                          {"tok_per_s", e.tokens_per_second},
                          {"elapsed", e.elapsed_seconds}});
    if (m.hooks.on_metrics) m.hooks.on_metrics(e);
    report_loss = 0.0;
    report_steps = report_tokens = 0;
    report_started = Clock::now();
    return v;
  };

  while (m.step < m.total_steps) {
    // A distributed run stops only where all ranks agree, on the requests
    // they combined during the previous step.
    const bool local_cancel = m.cancel_requested() || stop_requested;
    if (m.group ? m.agreed_cancel : local_cancel) {
      m.checkpoint(m.train_seconds + elapsed());
      m.log->write("cancelled", {{"step", m.step}});
      throw Error(ErrorCode::cancelled,
                  m.config.checkpoint_dir.empty()
                      ? fmt::format("training cancelled at step {} (no checkpoint directory set)", m.step)
                      : fmt::format("training cancelled at step {}; checkpoint saved in {} (continue with --resume {})",
                                    m.step, m.config.checkpoint_dir.string(), m.config.checkpoint_dir.string()));
    }
    const bool local_time_up = budget > 0.0 && elapsed() >= budget;
    if (m.group ? m.agreed_time_up : local_time_up) {
      result.stopped_by_time = true;
      break;
    }
    auto [loss, targets] = m.group ? m.distributed_train_step(local_cancel, local_time_up) : m.train_step();
    ++m.step;
    m.tokens_seen += targets;
    report_loss += loss;
    ++report_steps;
    report_tokens += targets;
    log_loss += loss;
    ++log_steps;
    log_tokens += targets;

    if (m.step % m.config.log_every == 0 || m.step == m.total_steps) {
      const double window = std::chrono::duration<double>(Clock::now() - log_started).count();
      const double tps = window > 0 ? static_cast<double>(log_tokens) / window : 0.0;
      nlohmann::json fields = {{"step", m.step},
                               {"loss", log_loss / static_cast<double>(log_steps)},
                               {"lr", learning_rate_at(m.config, m.step - 1, m.total_steps)},
                               {"tok_per_s", tps},
                               {"tokens_seen", m.tokens_seen},
                               {"elapsed", m.train_seconds + elapsed()}};
      if (m.group) {
        // Mean time per step spent waiting for the gradients' all-reduce
        // after the backward pass (the communication it did not hide).
        fields["allreduce_wait_ms"] = 1000.0 * m.allreduce_wait_seconds / static_cast<double>(log_steps);
        fields["loss_sync_ms"] = 1000.0 * m.loss_sync_seconds / static_cast<double>(log_steps);
        m.allreduce_wait_seconds = m.loss_sync_seconds = 0.0;
      }
      m.log->write("step", fields);
      log_loss = 0.0;
      log_steps = log_tokens = 0;
      log_started = Clock::now();
    }
    if (m.hooks.progress) {
      // Cumulative training time, so the rate (steps / seconds) stays right after a resume.
      const double secs = m.train_seconds + elapsed();
      ProgressInfo info{"train", m.step, m.total_steps, secs,
                        fmt::format("loss {:.3f} tok/s {:.0f}", loss,
                                    secs > 0 ? static_cast<double>(report_tokens) /
                                                   std::chrono::duration<double>(Clock::now() - report_started).count()
                                             : 0.0)};
      if (!m.hooks.progress(info)) stop_requested = true;
    }
    const int64_t epoch = m.step / m.steps_per_epoch;
    const bool epoch_end = epoch > m.last_validated_epoch;
    const bool eval_due = m.config.eval_every > 0 && m.step % m.config.eval_every == 0;
    if ((epoch_end || eval_due) && m.step < m.total_steps) {
      validate_and_report(epoch);
      m.last_validated_epoch = epoch;
    }
    if (m.config.checkpoint_every > 0 && m.step % m.config.checkpoint_every == 0 && m.step < m.total_steps)
      m.checkpoint(m.train_seconds + elapsed());
  }

  EvalMetrics final_metrics = validate_and_report(m.step / m.steps_per_epoch);
  m.last_validated_epoch = m.step / m.steps_per_epoch;
  const double seconds = m.train_seconds + elapsed();
  const bool finished = m.step >= m.total_steps;
  m.model.set_metadata_json(m.metadata(final_metrics, seconds, finished, result.stopped_by_time));
  m.checkpoint(seconds);
  m.train_seconds = seconds;

  result.steps = m.step;
  result.epochs = static_cast<double>(m.step) / static_cast<double>(m.steps_per_epoch);
  result.tokens_seen = m.tokens_seen;
  result.train_seconds = seconds;
  result.validation = final_metrics;
  result.best_validation_loss = m.best_validation_loss;
  result.best_validation_step = m.best_validation_step;
  // Rank 0 writes it (for all ranks, into the folder it was given).
  if (m.rank == 0 && m.best_validation_step > 0) result.best_model = m.best_model_path();
  result.checkpoint = m.last_checkpoint;
  result.world_size = m.world_size;
  m.log->write("end", {{"step", m.step},
                       {"finished", finished},
                       {"stopped_by_time", result.stopped_by_time},
                       {"tokens_seen", m.tokens_seen},
                       {"seconds", seconds},
                       {"val_loss", final_metrics.loss},
                       {"val_perplexity", final_metrics.perplexity},
                       {"val_accuracy", final_metrics.accuracy},
                       {"best_val_loss", m.best_validation_loss},
                       {"best_step", m.best_validation_step}});
  return result;
}

EvalMetrics Trainer::evaluate() { return impl_->evaluate(); }
Model Trainer::model() const { return copy_model(impl_->model); }
const TrainerConfig& Trainer::config() const { return impl_->config; }
int64_t Trainer::step() const { return impl_->step; }
int64_t Trainer::total_steps() const { return impl_->total_steps; }
int64_t Trainer::steps_per_epoch() const { return impl_->steps_per_epoch; }
int Trainer::rank() const { return impl_->rank; }
int Trainer::world_size() const { return impl_->world_size; }

}  // namespace emopiano
