// Training an emotion-conditioned model on a Dataset.
//
//   emopiano::TrainerConfig cfg = emopiano::TrainerConfig::from_json(text);
//   emopiano::Model model = emopiano::Model::create(model_cfg, tokenizer_cfg, cfg.seed);
//   emopiano::Trainer trainer(model, dataset, cfg);
//   emopiano::TrainResult r = trainer.run();   // trains a copy of `model`
//   trainer.model().save("trained.pt");
//
// Batches are random windows of the model's context length cut from the
// training pieces, transposed by a random number of semitones. AdamW with a
// linear warm-up then cosine decay, gradient clipping, optional bfloat16
// autocast. Checkpoints (model, optimizer, trainer state with the random
// generators) are written atomically so a run resumes exactly where it
// stopped. Not thread-safe: one Trainer is driven by one thread; the cancel
// token may be set from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "emopiano/dataset.hpp"
#include "emopiano/model.hpp"
#include "emopiano/progress.hpp"

namespace emopiano {

enum class Bf16Mode : int {
  automatic = 0,  // bf16 autocast when the CPU has fast bf16 (AVX-512 BF16 / AMX) and oneDNN
  on = 1,         // always (slow on CPUs without bf16 instructions)
  off = 2,        // float32 only
};

struct TrainerConfig {
  // Length of the run: max_steps when > 0, otherwise epochs. An epoch is as
  // many steps as it takes to see as many tokens as the training split holds.
  int epochs = 10;
  int64_t max_steps = 0;
  // Wall-clock budget of one run() in minutes (0 = none). When it is reached
  // the trainer validates, checkpoints and returns as if the run had ended.
  double max_minutes = 0.0;

  int batch_size = 8;
  double learning_rate = 5e-4;
  double weight_decay = 0.01;  // AdamW, on matrices only (not biases or norms)
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.98;
  int64_t warmup_steps = 200;  // linear warm-up from 0
  double min_lr_ratio = 0.1;   // cosine decay ends at learning_rate * min_lr_ratio
  double grad_clip = 1.0;      // max global gradient norm (0 = no clipping)

  // Pitch transposition augmentation: a shift in [min, max] semitones per
  // window, narrowed so every pitch stays in the vocabulary's range.
  int transpose_min = -5;
  int transpose_max = 6;
  // Probability that a window of a labelled piece is trained with the null
  // (all-zero) emotion input, so the model also learns the unconditional
  // distribution that classifier-free guidance contrasts with. Unlabelled
  // pieces always get the null emotion.
  double emotion_dropout = 0.0;
  // Probability that a window joins two labelled pieces of different
  // quadrants at a bar line, the emotion input switching with them, so the
  // model learns that a change of the emotion input means a change in the
  // music (trajectories).
  double join_probability = 0.0;
  // Probability that the second piece of a joined window comes in at a bar
  // line inside it (where the pedal is up) rather than at its opening. An
  // opening is often a pickup bar, sparser than the rest; joins that always
  // begin there teach the model to fall quiet after every change.
  double join_inside = 0.0;

  int64_t checkpoint_every = 500;  // steps (0 = only at the end and on cancel)
  int64_t eval_every = 0;          // steps; validation also runs after every epoch
  int64_t log_every = 10;          // steps between "step" lines of the log
  uint64_t seed = 1234;
  // LibTorch threads while run() runs, then the count before is restored;
  // 0 = the process-wide setting (set_compute_threads).
  int threads = 0;
  Bf16Mode bf16 = Bf16Mode::automatic;

  std::filesystem::path log_path;        // JSON lines; empty = no log
  std::filesystem::path checkpoint_dir;  // empty = no checkpoints
  std::string dataset_name;              // recorded in the model metadata

  std::string to_json() const;
  // Missing keys keep their defaults. Throws Error(format) on malformed JSON,
  // Error(invalid_argument) on unknown keys or out-of-range values.
  static TrainerConfig from_json(std::string_view json);
  void validate() const;  // throws Error(invalid_argument)
};

// Learning rate at an optimizer step (0-based): linear warm-up over
// warmup_steps, then cosine decay from learning_rate to
// learning_rate * min_lr_ratio at total_steps.
double learning_rate_at(const TrainerConfig& config, int64_t step, int64_t total_steps);

struct EvalMetrics {
  double loss = 0.0;        // mean cross-entropy per predicted token (nats)
  double perplexity = 0.0;  // exp(loss)
  double accuracy = 0.0;    // next-token top-1 accuracy
  int64_t tokens = 0;       // predicted tokens evaluated
};

// Reported after each validation (every epoch, every eval_every steps, at the end).
struct EpochMetrics {
  int epoch = 0;  // epochs completed (fractional progress in `step`)
  int64_t step = 0;
  double train_loss = 0.0;  // mean training loss since the previous report
  EvalMetrics validation;
  double learning_rate = 0.0;
  double tokens_per_second = 0.0;
  double elapsed_seconds = 0.0;
};

struct TrainerHooks {
  // Stage "train": done = steps, total = steps of the run, detail
  // "loss 2.31 tok/s 1450"; stage "validate" while validating. Returning
  // false cancels like `cancel`.
  ProgressCallback progress;
  std::function<void(const EpochMetrics&)> on_metrics;
  // When set (or the progress callback returns false) the trainer saves a
  // checkpoint at the next step boundary and throws Error(cancelled).
  CancelToken cancel;
};

// Data-parallel training over several processes, on one host or several
// (docs/distributed.md). Each of world_size processes runs a Trainer with the
// same model config, trainer config and dataset, and its own rank: they meet
// at a rendezvous store that rank 0 opens on master_addr:master_port, rank 0's
// initial weights are broadcast to all, each step draws one global batch of
// batch_size * world_size windows of which every rank trains on its own
// slice, and gradients are summed across ranks while the backward pass runs
// (LibTorch's c10d with the Gloo backend). Only rank 0 writes the log and the
// checkpoints. A peer that dies or stops answering makes every other rank
// throw Error(io) within timeout_seconds.
struct DistributedConfig {
  int world_size = 1;                     // 1 = one process, no networking
  int rank = 0;                           // 0 .. world_size-1
  std::string master_addr = "127.0.0.1";  // host of rank 0, reachable from every rank
  int master_port = 29500;
  double timeout_seconds = 300.0;  // rendezvous and every collective operation
  // Network interface Gloo sends gradients through ("eth0"); empty = the
  // GLOO_SOCKET_IFNAME environment variable, else loopback when master_addr
  // is a loopback address, else the address this host's name resolves to.
  std::string interface;
  double bucket_megabytes = 4.0;  // gradients are all-reduced in flat buckets of about this size
  bool overlap_backward = true;   // start each bucket's all-reduce as soon as its gradients exist

  bool enabled() const { return world_size > 1; }
  // RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT as torchrun sets them;
  // unset variables keep the defaults. Throws Error(invalid_argument) on a
  // malformed value.
  static DistributedConfig from_environment();
  void validate() const;  // throws Error(invalid_argument)
};

struct TrainResult {
  int64_t steps = 0;        // optimizer steps taken in total (including resumed ones)
  double epochs = 0.0;      // steps / steps_per_epoch
  int64_t tokens_seen = 0;  // predicted training tokens (padding excluded)
  double train_seconds = 0.0;
  EvalMetrics validation;  // final validation
  double best_validation_loss = 0.0;
  int64_t best_validation_step = 0;  // the step whose weights gave it
  // The weights of the best validation, kept in the checkpoint directory
  // (CheckpointFiles::best_model); empty without a checkpoint directory,
  // and on the ranks of a distributed run other than rank 0, which writes it.
  std::filesystem::path best_model;
  bool bf16 = false;
  bool stopped_by_time = false;      // max_minutes reached before the planned steps
  std::filesystem::path checkpoint;  // last checkpoint written, empty when none
  int world_size = 1;                // processes that trained together (DistributedConfig)
};

// Loads a trained model as the starting point of a new run (pre-training,
// then fine-tuning: `emopiano train --init`). Throws Error(invalid_argument)
// naming every difference when its architecture (layers, width, heads, feed-
// forward size, context, bars) or its tokenizer config differs from the
// expected ones (null: not checked); its dropout is kept. One difference is
// bridged: a config with fewer K/V heads (n_kv_heads dividing the model's)
// starts from the model's K/V heads averaged in groups, as Ainslie et al.
// (2023) convert a model to grouped-query attention before training it on.
Model load_model_for_fine_tuning(const std::filesystem::path& path, const ModelConfig* expected_model,
                                 const TokenizerConfig* expected_tokenizer);

class Trainer {
 public:
  // Trains its own copy of `model`'s weights: `model` itself never changes,
  // so Samplers may keep generating from it on other threads. Throws
  // Error(invalid_argument) when the dataset has no training pieces or its
  // tokenizer differs from the model's.
  Trainer(Model model, const Dataset& dataset, const TrainerConfig& config, TrainerHooks hooks = {});
  // One rank of a data-parallel run (see DistributedConfig): meets the other
  // ranks before returning, and throws Error(io) naming the missing ranks
  // when they do not all arrive within the timeout. batch_size is per rank.
  // With world_size 1 this is the constructor above.
  Trainer(Model model, const Dataset& dataset, const TrainerConfig& config, TrainerHooks hooks,
          const DistributedConfig& distributed);
  // Continues from a checkpoint directory written by run(): model, optimizer,
  // step, random generators. With the same config and dataset the result is
  // the same as an uninterrupted run. Throws Error(not_found/format).
  static Trainer resume(const std::filesystem::path& checkpoint_dir, const Dataset& dataset,
                        const TrainerConfig& config, TrainerHooks hooks = {});
  // Every rank resumes from the same checkpoint (a shared folder, or a copy
  // of rank 0's on each host); a rank whose copy differs from rank 0's makes
  // every rank throw Error(invalid_argument).
  static Trainer resume(const std::filesystem::path& checkpoint_dir, const Dataset& dataset,
                        const TrainerConfig& config, TrainerHooks hooks, const DistributedConfig& distributed);
  ~Trainer();
  Trainer(Trainer&&) noexcept;
  Trainer& operator=(Trainer&&) noexcept;

  // Trains until the planned steps or the time budget; validates, writes a
  // final checkpoint and records the training metadata in the model.
  // Throws Error(cancelled) after saving a checkpoint when cancelled.
  TrainResult run();

  // Validation metrics of the current weights (eval mode, no augmentation).
  // In a distributed run every rank evaluates its share of the windows and
  // the sums are combined, so all ranks must call it together.
  EvalMetrics evaluate();

  // A copy of the weights trained so far, with the training metadata, in
  // eval mode: it shares nothing with the trainer, so it may be sampled from
  // on another thread while the trainer goes on.
  Model model() const;
  const TrainerConfig& config() const;
  int64_t step() const;
  int64_t total_steps() const;
  int64_t steps_per_epoch() const;
  int rank() const;        // 0 without DistributedConfig
  int world_size() const;  // 1 without DistributedConfig

 private:
  struct Impl;
  explicit Trainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Directory layout of a checkpoint (for tools and tests).
struct CheckpointFiles {
  static constexpr const char* state = "trainer_state.json";  // names the model and optimizer files
  // The checkpoint before the newest, kept so a damaged newest one is not the end of a run.
  static constexpr const char* previous_state = "trainer_state.previous.json";
  // The model at the lowest validation loss so far (Model::save, with its
  // metadata), rewritten at each new best: a run trained past its best
  // still has it.
  static constexpr const char* best_model = "best_model.pt";
};

}  // namespace emopiano
