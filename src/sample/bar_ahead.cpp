#include "sample/bar_ahead.hpp"

#include <utility>

#include "emopiano/error.hpp"

namespace emopiano::sample {

BarAhead::BarAhead(GenerationSession::Impl& session) : session_(session) {
  thread_ = std::thread([this] { run(); });
}

BarAhead::~BarAhead() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    if (busy_) session_.discard = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BarAhead::run() {
  c10::InferenceMode inference;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stop_ || want_; });
    if (stop_) return;
    want_ = false;
    busy_ = true;
    const EmotionMix mix = session_.emotion;
    lock.unlock();
    GenerationSession::Impl::Checkpoint before;
    std::optional<SessionBar> bar;
    std::exception_ptr error;
    try {
      bar = session_.write_next(mix, before);
    } catch (...) {
      error = std::current_exception();  // the session is back at `before` already
    }
    lock.lock();
    busy_ = false;
    if (session_.discard.exchange(false)) {
      if (bar) session_.restore(before);  // finished before it saw the flag
    } else if (error) {
      error_ = error;
    } else {
      ready_ = std::move(bar);
      before_ = std::move(before);
    }
    changed_.notify_all();
  }
}

void BarAhead::drop(std::unique_lock<std::mutex>& lock) {
  if (busy_) {
    session_.discard = true;
    changed_.wait(lock, [&] { return !busy_; });
  }
  if (ready_) {
    session_.restore(*before_);
    ready_.reset();
    before_.reset();
  }
}

SessionBar BarAhead::take() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (session_.cancel.cancelled()) {
    drop(lock);
    error_ = nullptr;
    session_.cancel.reset();
    throw Error(ErrorCode::cancelled, "session: bar cancelled");
  }
  if (!busy_ && !ready_ && !error_) {
    want_ = true;  // nothing written ahead (the first bar, or after a cancel): now
    changed_.notify_all();
  }
  changed_.wait(lock, [&] { return !want_ && !busy_; });
  if (error_) {
    const std::exception_ptr error = std::exchange(error_, nullptr);
    session_.cancel.reset();
    std::rethrow_exception(error);
  }
  if (!ready_) throw Error(ErrorCode::internal, "session: the bar ahead is missing");
  SessionBar bar = std::move(*ready_);
  ready_.reset();
  before_.reset();  // the host has the bar: no way back to before it
  want_ = true;
  changed_.notify_all();
  return bar;
}

void BarAhead::set_emotion(const EmotionMix& mix) {
  std::unique_lock<std::mutex> lock(mutex_);
  // The same emotion again (a recogniser that repeats itself) leaves the bar
  // written ahead as it is: it is the bar that emotion gives.
  if (mix.probabilities() == session_.emotion.probabilities()) return;
  const bool ahead = want_ || busy_ || ready_;
  drop(lock);
  session_.emotion = mix;
  if (ahead) {
    want_ = true;
    changed_.notify_all();
  }
}

void BarAhead::reset() {
  std::unique_lock<std::mutex> lock(mutex_);
  drop(lock);
  want_ = false;
  error_ = nullptr;
  session_.restore_opening();
}

bool BarAhead::prepared() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ready_.has_value();
}

}  // namespace emopiano::sample
