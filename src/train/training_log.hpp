// The training log: one JSON object per line (event "start", "step", "eval",
// "checkpoint", "end"), appended and flushed line by line so a crash or a
// kill loses at most the line being written, and a resumed run continues the
// same file. The lines that mark a state on disk ("checkpoint", "resume",
// "cancelled", "end") are also fsynced, with the file's directory the first
// time, so after a power loss the log reaches at least the last checkpoint.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace emopiano::train {

// The current time as "2026-11-22T05:30:00Z", for training metadata.
std::string utc_timestamp();

class TrainingLog {
 public:
  TrainingLog() = default;
  // Empty path: a log that writes nothing. Throws Error(io).
  explicit TrainingLog(const std::filesystem::path& path);
  ~TrainingLog();
  TrainingLog(const TrainingLog&) = delete;
  TrainingLog& operator=(const TrainingLog&) = delete;

  // Adds "event" and "time" (seconds since the Unix epoch) to `fields`.
  // Throws Error(io) when the line cannot be written or synced.
  void write(const std::string& event, nlohmann::json fields);

 private:
  void sync();

  FILE* file_ = nullptr;
  std::filesystem::path path_;
  bool directory_synced_ = false;
};

}  // namespace emopiano::train
