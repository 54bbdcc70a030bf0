#include "train/checkpoint.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "emopiano/error.hpp"
#include "emopiano/trainer.hpp"

namespace emopiano::train {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "emopiano-checkpoint";
constexpr int kVersion = 1;

void write_text_atomically(const fs::path& path, const std::string& text) {
  emopiano::detail::write_file_atomically(path, text);
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
    throw Error(ErrorCode::format, fmt::format("checkpoint: bad LibTorch generator state: {}", e.what_without_backtrace()));
  }
}

void save_checkpoint(const fs::path& dir, const Model& model, torch::optim::Optimizer& optimizer,
                     TrainerState state) {
  save_checkpoint(dir, [&](const fs::path& path) { model.save(path); }, optimizer, std::move(state));
}

void save_checkpoint(const fs::path& dir, const std::function<void(const fs::path&)>& save_model,
                     torch::optim::Optimizer& optimizer, TrainerState state) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorCode::io, fmt::format("cannot create checkpoint directory {}: {}", dir.string(), ec.message()));
  const fs::path state_path = dir / CheckpointFiles::state;
  // The files of the checkpoint being replaced, removed once the new state is in place.
  std::string old_model, old_optimizer;
  if (fs::exists(state_path)) {
    try {
      TrainerState old = read_checkpoint_state(dir);
      old_model = old.model_file;
      old_optimizer = old.optimizer_file;
    } catch (const Error&) {
    }
  }
  state.model_file = fmt::format("model-{}.pt", state.step);
  state.optimizer_file = fmt::format("optimizer-{}.pt", state.step);
  save_model(dir / state.model_file);
  const fs::path opt_path = dir / state.optimizer_file;
  fs::path opt_tmp = opt_path;
  opt_tmp += ".tmp";
  try {
    torch::save(optimizer, opt_tmp.string());
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::io, fmt::format("cannot write optimizer state {}: {}", opt_tmp.string(), e.what_without_backtrace()));
  }
  fs::rename(opt_tmp, opt_path, ec);
  if (ec) throw Error(ErrorCode::io, fmt::format("cannot rename {}: {}", opt_tmp.string(), ec.message()));

  nlohmann::json j = {
      {"format", kFormat},
      {"version", kVersion},
      {"step", state.step},
      {"tokens_seen", state.tokens_seen},
      {"train_seconds", state.train_seconds},
      {"best_validation_loss", state.best_validation_loss},
      {"last_validated_epoch", state.last_validated_epoch},
      {"rng", state.rng},
      {"torch_rng", state.torch_rng},
      {"config", nlohmann::json::parse(state.config_json.empty() ? "{}" : state.config_json)},
      {"train_pieces", state.train_pieces},
      {"train_targets", state.train_targets},
      {"model_file", state.model_file},
      {"optimizer_file", state.optimizer_file},
  };
  write_text_atomically(state_path, j.dump(1));
  for (const std::string& old : {old_model, old_optimizer})
    if (!old.empty() && old != state.model_file && old != state.optimizer_file) fs::remove(dir / old, ec);
}

TrainerState read_checkpoint_state(const fs::path& dir) {
  const fs::path path = dir / CheckpointFiles::state;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorCode::not_found, fmt::format("no checkpoint in {} ({} is missing)", dir.string(), CheckpointFiles::state));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
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
    s.last_validated_epoch = j.value("last_validated_epoch", int64_t{0});
    s.rng = j.at("rng").get<std::string>();
    s.torch_rng = j.at("torch_rng").get<std::string>();
    s.config_json = j.value("config", nlohmann::json::object()).dump();
    s.train_pieces = j.value("train_pieces", int64_t{0});
    s.train_targets = j.value("train_targets", int64_t{0});
    s.model_file = j.at("model_file").get<std::string>();
    s.optimizer_file = j.at("optimizer_file").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::format, fmt::format("checkpoint state {} is incomplete: {}", path.string(), e.what()));
  }
  if (s.step < 0) throw Error(ErrorCode::format, fmt::format("checkpoint state {}: negative step", path.string()));
  return s;
}

void load_optimizer(const fs::path& file, torch::optim::Optimizer& optimizer) {
  if (!fs::exists(file))
    throw Error(ErrorCode::not_found, fmt::format("checkpoint optimizer state {} is missing", file.string()));
  try {
    torch::load(optimizer, file.string());
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::format, fmt::format("cannot read optimizer state {}: {}", file.string(), e.what_without_backtrace()));
  }
}

}  // namespace emopiano::train
