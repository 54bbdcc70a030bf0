#include "train/checkpoint.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "emopiano/error.hpp"
#include "emopiano/trainer.hpp"
#include "model/model_file_format.hpp"

namespace emopiano::train {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "emopiano-checkpoint";
// 2: sizes and CRC-32 of the model and optimizer files, and a previous state.
constexpr int kVersion = 2;

// Temporary files of a checkpoint write that a killed process left behind
// (named by write_file_atomically: "<name>.tmp-<random>").
void remove_stale_temporaries(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool ours =
        name.rfind("model-", 0) == 0 || name.rfind("optimizer-", 0) == 0 || name.rfind("trainer_state", 0) == 0;
    if (ours && name.find(".tmp") != std::string::npos) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

}  // namespace

std::string mt19937_state(const std::mt19937_64& rng) {
  std::ostringstream s;
  s << rng;
  return s.str();
}

void set_mt19937_state(std::mt19937_64& rng, const std::string& state) {
  std::istringstream s(state);
  s >> rng;
  if (!s) throw Error(ErrorCode::format, "checkpoint: malformed random generator state");
}

std::string torch_generator_state(const detail::OwnGenerator& generator) {
  at::Tensor state = generator.state().contiguous();
  const uint8_t* p = state.data_ptr<uint8_t>();
  static const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(static_cast<size_t>(state.numel()) * 2);
  for (int64_t i = 0; i < state.numel(); ++i) {
    hex.push_back(digits[p[i] >> 4]);
    hex.push_back(digits[p[i] & 15]);
  }
  return hex;
}

void set_torch_generator_state(detail::OwnGenerator& generator, const std::string& hex) {
  if (hex.size() % 2) throw Error(ErrorCode::format, "checkpoint: malformed LibTorch generator state");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw Error(ErrorCode::format, "checkpoint: malformed LibTorch generator state");
  };
  at::Tensor state = torch::empty({static_cast<int64_t>(hex.size() / 2)}, torch::kUInt8);
  uint8_t* p = state.data_ptr<uint8_t>();
  for (size_t i = 0; i < hex.size() / 2; ++i)
    p[i] = static_cast<uint8_t>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
  try {
    generator.set_state(state);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::format,
                fmt::format("checkpoint: bad LibTorch generator state: {}", e.what_without_backtrace()));
  }
}

void create_checkpoint_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw Error(ErrorCode::io, fmt::format("cannot create checkpoint directory {}: {}", dir.string(), ec.message()));
}

void save_checkpoint(const fs::path& dir, const Model& model, torch::optim::Optimizer& optimizer, TrainerState state) {
  save_checkpoint(
      dir, [&](const fs::path& path) { model.save(path); }, optimizer, std::move(state));
}

void save_checkpoint(const fs::path& dir, const std::function<void(const fs::path&)>& save_model,
                     torch::optim::Optimizer& optimizer, TrainerState state) {
  create_checkpoint_dir(dir);
  const fs::path state_path = dir / CheckpointFiles::state;
  const fs::path previous_path = dir / CheckpointFiles::previous_state;
  remove_stale_temporaries(dir);
  // The newest checkpoint becomes the previous one; the one before it goes,
  // but only once the new one is on disk.
  std::string newest_text;
  std::optional<TrainerState> newest, oldest;
  try {
    newest_text = emopiano::detail::read_file_bytes(state_path);
    newest = parse_checkpoint_state(newest_text, state_path);
  } catch (const Error&) {
    newest.reset();
  }
  try {
    oldest = parse_checkpoint_state(emopiano::detail::read_file_bytes(previous_path), previous_path);
  } catch (const Error&) {
    oldest.reset();
  }

  state.model_file = fmt::format("model-{}.pt", state.step);
  state.optimizer_file = fmt::format("optimizer-{}.pt", state.step);
  save_model(dir / state.model_file);  // durable (write_file_atomically)
  const std::string model_bytes = emopiano::detail::read_file_bytes(dir / state.model_file);
  state.model_size = static_cast<int64_t>(model_bytes.size());
  state.model_crc32 = crc32(model_bytes.data(), model_bytes.size());

  std::ostringstream optimizer_bytes;
  try {
    torch::save(optimizer, optimizer_bytes);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::io, fmt::format("cannot serialize the optimizer state: {}", e.what_without_backtrace()));
  }
  const std::string opt = optimizer_bytes.str();
  emopiano::detail::write_file_atomically(dir / state.optimizer_file, opt);
  state.optimizer_size = static_cast<int64_t>(opt.size());
  state.optimizer_crc32 = crc32(opt.data(), opt.size());

  nlohmann::json j = {
      {"format", kFormat},
      {"version", kVersion},
      {"step", state.step},
      {"tokens_seen", state.tokens_seen},
      {"train_seconds", state.train_seconds},
      {"best_validation_loss", state.best_validation_loss},
      {"best_validation_step", state.best_validation_step},
      {"last_validated_epoch", state.last_validated_epoch},
      {"rng", state.rng},
      {"torch_rng", state.torch_rng},
      {"config", nlohmann::json::parse(state.config_json.empty() ? "{}" : state.config_json)},
      {"train_pieces", state.train_pieces},
      {"train_targets", state.train_targets},
      {"model_file", state.model_file},
      {"optimizer_file", state.optimizer_file},
      {"model_size", state.model_size},
      {"model_crc32", state.model_crc32},
      {"optimizer_size", state.optimizer_size},
      {"optimizer_crc32", state.optimizer_crc32},
  };
  // A checkpoint of the same step again (a cancel right after a periodic
  // one) replaces the newest and keeps the previous.
  const bool newest_moves_back = newest && newest->step != state.step;
  if (newest_moves_back) emopiano::detail::write_file_atomically(previous_path, newest_text);
  emopiano::detail::write_file_atomically(state_path, j.dump(1));

  // Now two complete checkpoints are durable: the files of a third can go.
  std::set<std::string> kept = {state.model_file, state.optimizer_file};
  const std::optional<TrainerState>& previous = newest_moves_back ? newest : oldest;
  if (previous) kept.insert({previous->model_file, previous->optimizer_file});
  std::vector<std::string> unused;
  if (newest_moves_back && oldest) unused = {oldest->model_file, oldest->optimizer_file};
  std::error_code ec;  // best effort: no state names these files any more
  for (const std::string& old : unused)
    if (!old.empty() && !kept.count(old)) fs::remove(dir / old, ec);
}

TrainerState read_checkpoint_state(const fs::path& dir) {
  const fs::path path = dir / CheckpointFiles::state;
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw Error(ErrorCode::not_found,
                fmt::format("no checkpoint in {} ({} is missing)", dir.string(), CheckpointFiles::state));
  return read_checkpoint_state_file(path);
}

TrainerState read_checkpoint_state_file(const fs::path& path) {
  return parse_checkpoint_state(emopiano::detail::read_file_bytes(path), path);
}

TrainerState parse_checkpoint_state(const std::string& text, const fs::path& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::format, fmt::format("checkpoint state {} is not valid JSON: {}", path.string(), e.what()));
  }
  if (!j.is_object() || j.value("format", "") != kFormat)
    throw Error(ErrorCode::format, fmt::format("{} is not an emopiano checkpoint state", path.string()));
  if (j.value("version", 0) > kVersion)
    throw Error(ErrorCode::unsupported, fmt::format("checkpoint {} has version {}, newer than this build reads ({})",
                                                    path.string(), j.value("version", 0), kVersion));
  TrainerState s;
  try {
    s.step = j.at("step").get<int64_t>();
    s.tokens_seen = j.at("tokens_seen").get<int64_t>();
    s.train_seconds = j.at("train_seconds").get<double>();
    s.best_validation_loss = j.at("best_validation_loss").get<double>();
    s.best_validation_step = j.value("best_validation_step", int64_t{0});
    s.last_validated_epoch = j.value("last_validated_epoch", int64_t{0});
    s.rng = j.at("rng").get<std::string>();
    s.torch_rng = j.at("torch_rng").get<std::string>();
    s.config_json = j.value("config", nlohmann::json::object()).dump();
    s.train_pieces = j.value("train_pieces", int64_t{0});
    s.train_targets = j.value("train_targets", int64_t{0});
    s.model_file = j.at("model_file").get<std::string>();
    s.optimizer_file = j.at("optimizer_file").get<std::string>();
    s.model_size = j.value("model_size", int64_t{-1});
    s.model_crc32 = j.value("model_crc32", uint32_t{0});
    s.optimizer_size = j.value("optimizer_size", int64_t{-1});
    s.optimizer_crc32 = j.value("optimizer_crc32", uint32_t{0});
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::format, fmt::format("checkpoint state {} is incomplete: {}", path.string(), e.what()));
  }
  if (s.step < 0) throw Error(ErrorCode::format, fmt::format("checkpoint state {}: negative step", path.string()));
  // Names only: a state file must not point outside its directory.
  for (const std::string* name : {&s.model_file, &s.optimizer_file})
    if (name->empty() || fs::path(*name).has_parent_path())
      throw Error(ErrorCode::format, fmt::format("checkpoint state {}: bad file name '{}'", path.string(), *name));
  return s;
}

void load_optimizer(const fs::path& file, torch::optim::Optimizer& optimizer) {
  if (!fs::exists(file))
    throw Error(ErrorCode::not_found, fmt::format("checkpoint optimizer state {} is missing", file.string()));
  try {
    torch::load(optimizer, file.string());
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::format,
                fmt::format("cannot read optimizer state {}: {}", file.string(), e.what_without_backtrace()));
  }
}

}  // namespace emopiano::train
