// Which checkpoint of a directory a run resumes from: the newest whose model
// and optimizer files are intact (sizes and CRC-32 as the state recorded), or
// else the previous one, with the reason the newest was passed over. Free of
// LibTorch headers, so the command line can say what it resumes from.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace emopiano::train {

struct ResumePoint {
  std::filesystem::path state_file;  // trainer_state.json or trainer_state.previous.json
  std::filesystem::path model_file;  // full path
  int64_t step = 0;
  std::string config_json;  // the trainer config recorded with it
  // Empty when the newest checkpoint is used; otherwise one line saying what
  // was damaged and which step the run falls back to.
  std::string fallback_reason;
};

// Throws Error(not_found) when the directory holds no checkpoint, and
// Error(format) naming every problem when no checkpoint in it is intact.
ResumePoint choose_resume_point(const std::filesystem::path& dir);

}  // namespace emopiano::train
