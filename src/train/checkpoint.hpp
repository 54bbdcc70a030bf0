// Checkpoint directory of a training run:
//   trainer_state.json           step, counters, random generator states, and the
//                                names, sizes and CRC-32 of the two files below
//                                (written last, so a crash mid-checkpoint leaves
//                                the previous one valid)
//   trainer_state.previous.json  the same for the checkpoint before it
//   model-<step>.pt              Model::save
//   optimizer-<step>.pt          torch::save of the AdamW state
//   best_model.pt                the generator's weights at its best validation
//                                (written by its trainer, not here)
// Every file is written durably (fsync of the file and of the directory after
// the rename). Two complete checkpoints are kept, so resume can fall back to
// the previous one when the newest is damaged (see resume_point.hpp); files of
// older checkpoints are removed once the new state file is on disk.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <string>

#include "emopiano/model.hpp"
#include "model/own_generator.hpp"

namespace emopiano::train {

struct TrainerState {
  int64_t step = 0;
  int64_t tokens_seen = 0;
  double train_seconds = 0.0;
  double best_validation_loss = 0.0;  // 0 = none yet
  int64_t best_validation_step = 0;
  int64_t last_validated_epoch = 0;
  std::string rng;           // std::mt19937_64 state (operator<< text)
  std::string torch_rng;     // hex of the dropout generator's state (detail::OwnGenerator)
  std::string config_json;   // TrainerConfig used (informative)
  int64_t train_pieces = 0;  // dataset fingerprint, to warn about a changed dataset
  int64_t train_targets = 0;
  std::string model_file, optimizer_file;  // names inside the directory
  // What the files held when written (-1: a version 1 state that did not say).
  int64_t model_size = -1, optimizer_size = -1;
  uint32_t model_crc32 = 0, optimizer_crc32 = 0;
};

std::string mt19937_state(const std::mt19937_64& rng);
void set_mt19937_state(std::mt19937_64& rng, const std::string& state);
std::string torch_generator_state(const detail::OwnGenerator& generator);
void set_torch_generator_state(detail::OwnGenerator& generator, const std::string& hex);

// Makes the directory (and its parents) when missing. Throws Error(io).
void create_checkpoint_dir(const std::filesystem::path& dir);

// Writes model, optimizer and state (state.model_file/optimizer_file are set
// here). Throws Error(io).
void save_checkpoint(const std::filesystem::path& dir, const Model& model, torch::optim::Optimizer& optimizer,
                     TrainerState state);
// The same for any model that `save_model` writes atomically to the path given
// (the VAE's trainer uses it).
void save_checkpoint(const std::filesystem::path& dir,
                     const std::function<void(const std::filesystem::path&)>& save_model,
                     torch::optim::Optimizer& optimizer, TrainerState state);

// Reads trainer_state.json. Throws Error(not_found) when the directory holds
// no checkpoint, Error(format) when the state is malformed.
TrainerState read_checkpoint_state(const std::filesystem::path& dir);
// One state file (the newest or the previous); `path` names it in errors.
TrainerState read_checkpoint_state_file(const std::filesystem::path& path);
TrainerState parse_checkpoint_state(const std::string& text, const std::filesystem::path& path);
void load_optimizer(const std::filesystem::path& file, torch::optim::Optimizer& optimizer);

}  // namespace emopiano::train
