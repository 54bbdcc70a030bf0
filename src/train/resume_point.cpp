#include "train/resume_point.hpp"

#include <optional>
#include <vector>

#include <fmt/core.h>

#include "core/atomic_file.hpp"
#include "emopiano/error.hpp"
#include "emopiano/trainer.hpp"
#include "model/model_file_format.hpp"
#include "train/checkpoint.hpp"

namespace emopiano::train {

namespace fs = std::filesystem;

namespace {

// Throws Error(format) when the file is missing, or its size or CRC-32 is not
// what the state recorded (states of version 1 recorded neither).
void check_file(const fs::path& file, int64_t size, uint32_t crc) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw Error(ErrorCode::format, fmt::format("{} is missing", file.filename().string()));
  if (size < 0) return;
  const std::string bytes = emopiano::detail::read_file_bytes(file);
  if (static_cast<int64_t>(bytes.size()) != size)
    throw Error(ErrorCode::format,
                fmt::format("{} has {} bytes, {} were written", file.filename().string(), bytes.size(), size));
  if (crc32(bytes.data(), bytes.size()) != crc)
    throw Error(ErrorCode::format, fmt::format("{} fails its CRC-32", file.filename().string()));
}

}  // namespace

ResumePoint choose_resume_point(const fs::path& dir) {
  const fs::path newest = dir / CheckpointFiles::state;
  const fs::path previous = dir / CheckpointFiles::previous_state;
  std::error_code ec;
  if (!fs::exists(newest, ec) && !fs::exists(previous, ec))
    throw Error(ErrorCode::not_found,
                fmt::format("no checkpoint in {} ({} is missing)", dir.string(), CheckpointFiles::state));
  std::vector<std::string> problems;
  std::optional<int64_t> damaged_step;
  for (const fs::path& state_file : {newest, previous}) {
    if (!fs::exists(state_file, ec)) {
      problems.push_back(fmt::format("{} is missing", state_file.filename().string()));
      continue;
    }
    try {
      const TrainerState s = read_checkpoint_state_file(state_file);
      check_file(dir / s.model_file, s.model_size, s.model_crc32);
      check_file(dir / s.optimizer_file, s.optimizer_size, s.optimizer_crc32);
      ResumePoint point{state_file, dir / s.model_file, s.step, s.config_json, {}};
      if (!problems.empty())
        point.fallback_reason =
            fmt::format("the newest checkpoint{} in {} is damaged ({}): resuming from the previous one, at step {}",
                        damaged_step ? fmt::format(" (step {})", *damaged_step) : std::string(), dir.string(),
                        problems.front(), s.step);
      return point;
    } catch (const Error& e) {
      if (e.code() == ErrorCode::unsupported) throw;  // a newer build's checkpoint: not damage
      if (state_file == newest) {
        try {
          damaged_step = read_checkpoint_state_file(state_file).step;
        } catch (const Error&) {
        }
      }
      problems.push_back(e.what());
    }
  }
  std::string all;
  for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
  throw Error(ErrorCode::format, fmt::format("no intact checkpoint in {}: {}", dir.string(), all));
}

}  // namespace emopiano::train
