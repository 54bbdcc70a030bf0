// Progress reporting and cancellation for long work (dataset tokenization,
// training, batch generation, evaluation).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace emopiano {

struct ProgressInfo {
  std::string stage;  // what is running, e.g. "tokenize", "train", "generate"
  int64_t done = 0;   // units finished so far
  int64_t total = 0;  // units in all; 0 when unknown
  double elapsed_seconds = 0.0;
  std::string detail;  // free text for humans, e.g. "loss 2.31  1450 tok/s"
};

// Called from the working thread. Return false to cancel the work, which then
// stops at the next safe point and throws Error(ErrorCode::cancelled) (or, for
// training, saves a checkpoint first).
using ProgressCallback = std::function<bool(const ProgressInfo&)>;

// A flag another thread may set to stop work. Copies share the same flag.
class CancelToken {
 public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void cancel() const noexcept { flag_->store(true, std::memory_order_relaxed); }
  bool cancelled() const noexcept { return flag_->load(std::memory_order_relaxed); }
  void reset() const noexcept { flag_->store(false, std::memory_order_relaxed); }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

}  // namespace emopiano
