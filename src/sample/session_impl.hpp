// The live session's state, visible to tests: what the network is fed, the
// context window and the checkpoint a cancelled or dropped bar falls back to.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "emopiano/session.hpp"
#include "model/emotion_transformer.hpp"
#include "sample/density_control.hpp"
#include "sample/key_choice.hpp"
#include "sample/random.hpp"
#include "sample/row_guidance.hpp"
#include "sample/sampler_impl.hpp"
#include "sample/token_inputs.hpp"

namespace emopiano {

namespace tokenizer {
class RemiGrammar;
}  // namespace tokenizer

namespace sample {
class BarAhead;
}  // namespace sample

struct GenerationSession::Impl {
  // Where the music stands: everything a bar changes, so a cancelled bar can
  // be taken back by restoring a copy.
  struct Cursor {
    std::unique_ptr<TokenGrammar> grammar;
    sample::TokenInputs inputs;  // the context window, at most context_length (+1) tokens
    sample::Random random{0};
    std::optional<MusicalKey> key;  // the key in force (models with Key tokens)
    float key_valence = 0.0f;       // the emotion's valence where `key` was set
    bool valence_changed = false;   // it has moved kValenceChange from the opening's: valence guidance engages
    std::vector<int32_t> forced;    // tokens the next steps take instead of sampling
    std::optional<sample::DensityControl> density;  // with a density or quadrant_density
    int32_t bar_offset = 0;                         // grammar bar - bar input (the window re-bases bars)
    int64_t sequence_length = 0;                    // tokens since opening
    int64_t bars_written = 0;

    Cursor copy() const;
  };

  // A point the session can go back to exactly. The cache's tensors are
  // shared, not copied: the steps after it write only past its length, and a
  // slide gives the cache new tensors instead of overwriting these.
  struct Checkpoint {
    Cursor cursor;
    KVCache cache;
  };

  Impl(const Model& model, const SessionOptions& options);
  ~Impl();
  SessionBar next_bar();
  void set_emotion(const EmotionMix& mix);
  void reset();
  int64_t context_tokens() const { return window_tokens_.load(std::memory_order_relaxed); }

  // Writes the next bar with `mix` from the cursor, sliding the window first
  // when it has no room left for a bar. `before` receives the point just
  // before the bar (after the slide, which changes no bar to come). On any
  // exception (cancel(), `discard`) the session is back at `before`.
  SessionBar write_next(const EmotionMix& mix, Checkpoint& before);
  Checkpoint checkpoint() const;
  void restore(const Checkpoint& point);
  // Back to the opening, the worker aside (see reset()).
  void restore_opening();
  sample::BarAhead* ahead() { return ahead_.get(); }  // null without lookahead

  Model model;
  SessionOptions options;
  EmotionMix emotion;  // the emotion of the next bar
  CancelToken cancel;
  // Set by the bar-ahead worker's owner to stop the bar being written ahead
  // (the bar is dropped, as a cancelled one, but the host is not told).
  std::atomic<bool> discard{false};
  int64_t bars_returned = 0;  // bars next_bar() has returned since opening or reset()
  // Called for every token appended to the sequence, before it reaches the
  // network (FedToken::piece is 0). For tests and diagnostics; with
  // lookahead it runs on the worker thread.
  std::function<void(const FedToken&)> observer;

  // Read by tests: the network's cache and the cursor.
  KVCache cache;
  Cursor cursor;

 private:
  bool stopped() const { return cancel.cancelled() || discard.load(std::memory_order_relaxed); }
  SessionBar write_bar(const EmotionMix& mix);
  int32_t next_token(int64_t tokens_in_bar);
  void slide();
  void slide_at_bar_line();
  void append(int32_t token, SessionBar* bar);
  const tokenizer::RemiGrammar& remi() const;

  EmotionTransformerImpl& net_;
  const Tokenizer& tokenizer_;
  int32_t vocab_ = 0;
  int32_t bar_token_ = -1;
  int32_t eos_ = 0;
  int64_t context_ = 0;
  std::optional<sample::RowGuidance> guidance_;
  std::vector<int32_t> key_tokens_;  // key_index -> token id; empty without Key tokens
  Cursor opening_;                   // the cursor after the prompt, for reset()
  std::vector<uint8_t> mask_;
  std::vector<float> row_;
  EmotionMix writing_;                       // the emotion of the bar being written
  std::atomic<int64_t> window_tokens_{0};    // cursor.inputs.size(), readable from any thread
  std::unique_ptr<sample::BarAhead> ahead_;  // last: its thread stops before the rest goes
};

}  // namespace emopiano
