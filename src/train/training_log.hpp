// The training log: one JSON object per line (event "start", "step", "eval",
// "checkpoint", "end"), appended and flushed line by line so a crash or a
// kill loses at most the line being written, and a resumed run continues the
// same file.
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
  void write(const std::string& event, nlohmann::json fields);

 private:
  FILE* file_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace emopiano::train
