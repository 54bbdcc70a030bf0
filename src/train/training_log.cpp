#include "train/training_log.hpp"

#include <unistd.h>

#include <ctime>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/core.h>

#include "core/atomic_file.hpp"
#include "emopiano/error.hpp"

namespace emopiano::train {

TrainingLog::TrainingLog(const std::filesystem::path& path) : path_(path) {
  if (path.empty()) return;
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  file_ = std::fopen(path.c_str(), "a");
  if (!file_)
    throw Error(ErrorCode::io, fmt::format("cannot open training log {}: {}", path.string(), std::strerror(errno)));
}

TrainingLog::~TrainingLog() {
  if (file_) std::fclose(file_);
}

void TrainingLog::write(const std::string& event, nlohmann::json fields) {
  if (!file_) return;
  fields["event"] = event;
  fields["time"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  // Non-finite numbers (a diverged loss) become null instead of invalid JSON.
  std::string line = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw Error(ErrorCode::io, fmt::format("cannot write training log {}: {}", path_.string(), std::strerror(errno)));
  // These mark files the trainer has just made durable (or the end of a run);
  // steps and evaluations come often and are cheap to lose.
  if (event == "checkpoint" || event == "resume" || event == "cancelled" || event == "end") sync();
}

void TrainingLog::sync() {
  if (::fsync(fileno(file_)) != 0)
    throw Error(ErrorCode::io, fmt::format("cannot sync training log {}: {}", path_.string(), std::strerror(errno)));
  if (!directory_synced_) {
    detail::sync_directory(path_.has_parent_path() ? path_.parent_path() : std::filesystem::path("."));
    directory_synced_ = true;
  }
}

std::string utc_timestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace emopiano::train
