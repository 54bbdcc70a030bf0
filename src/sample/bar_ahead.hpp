// Bar-ahead generation (SessionOptions::lookahead): a thread of the session's
// own writes the next bar while the host plays the last one, so next_bar()
// returns at once whenever the bar had the time of one bar's music to be
// written.
//
// The worker writes only from the state the host has seen (the bars it was
// given) with the emotion in force when it starts, and keeps the checkpoint
// from before the bar. A set_emotion() with another emotion stops that bar
// (or takes back the finished one) to that checkpoint and starts it again:
// cache, random stream, grammar and key are restored exactly, so the bars are
// those a session without lookahead writes for the same calls.
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "emopiano/session.hpp"
#include "sample/session_impl.hpp"

namespace emopiano::sample {

class BarAhead {
 public:
  // Starts the thread, idle until the first take(): the first bar is
  // written when it is asked for.
  explicit BarAhead(GenerationSession::Impl& session);
  ~BarAhead();  // stops the bar in progress and joins the thread
  BarAhead(const BarAhead&) = delete;
  BarAhead& operator=(const BarAhead&) = delete;

  // next_bar(): the bar written ahead (waiting for it when it is not
  // finished), then the worker starts on the one after. Throws what writing
  // it threw; Error(cancelled) when cancel() was called before or during it,
  // and then the worker waits for the next call.
  SessionBar take();
  // The emotion of the next bar: a bar written ahead with another emotion is
  // dropped and written again.
  void set_emotion(const EmotionMix& mix);
  // Drops the bar written ahead, then back to the opening.
  void reset();

  // Whether the next bar is written and waiting (for tests).
  bool prepared() const;

 private:
  void run();
  // Stops the bar in progress and takes back a finished one (the lock held).
  void drop(std::unique_lock<std::mutex>& lock);

  GenerationSession::Impl& session_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool want_ = false;  // the worker is to write the next bar
  bool busy_ = false;  // the worker is writing it: the session's state is the worker's
  bool stop_ = false;
  std::optional<SessionBar> ready_;                            // the bar written ahead
  std::optional<GenerationSession::Impl::Checkpoint> before_;  // the point before it
  std::exception_ptr error_;                                   // what writing it threw
  std::thread thread_;                                         // last: started once the rest is set up
};

}  // namespace emopiano::sample
