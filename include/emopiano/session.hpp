// Live generation: a session that writes music one bar at a time while its
// host changes the emotion (a game's state, an affect recogniser's output).
//
//   emopiano::Model model = emopiano::Model::load(emopiano::bundled_model_path());
//   emopiano::SessionOptions options;
//   options.emotion = emopiano::EmotionMix::parse("calm");
//   options.params.seed = 7;
//   options.lookahead = true;  // the next bar is written while this one plays
//   emopiano::GenerationSession session(model, options);
//   for (;;) {
//     emopiano::SessionBar bar = session.next_bar();  // at once, once the bar ahead is written
//     play(bar.notes);                                // absolute times
//     if (battle_started()) session.set_emotion(emopiano::EmotionMix::parse("tense"));
//   }
//
// A session runs for as long as it is asked: the network's context slides
// (at a bar line, when less than a quarter of it is left, the oldest bars are
// dropped so that at most half is kept, and the K/V cache is rebuilt once
// from those) and only that context is kept, so memory stays flat.
//
// Determinism: the bars depend only on the model, the options and the
// sequence of set_emotion() calls with the bar before which each came (and
// reset() and cancelled bars, which take nothing back from that).
//
// Thread safety: a session is used by one thread at a time, except for
// cancel(), which any thread may call at any moment. Any number of sessions
// may share one Model on any number of threads. With options.lookahead the
// session owns one more thread, which writes the next bar ahead.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "emopiano/emotion.hpp"
#include "emopiano/key.hpp"
#include "emopiano/model.hpp"
#include "emopiano/progress.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/score.hpp"

namespace emopiano {

namespace detail {
struct ImplAccess;  // src/core/impl_access.hpp
}  // namespace detail

struct SessionOptions {
  // The emotion of the first bar; set_emotion() changes it later.
  EmotionMix emotion;
  // temperature, top_k, top_p, seed, constrain_grammar, density,
  // quadrant_density (each bar's target follows set_emotion) and the three
  // guidance weights apply; valence_guidance is off unless set (> 0): its
  // row runs from the first bar and costs 1.6x per token (docs/live.md).
  // max_tokens, max_bars and stop_at_eos do not: a session never ends by
  // itself (EOS is never sampled).
  SamplingParams params;
  // Music to continue: its tokens are the opening context, and the first bar
  // the session writes starts after its end. Its notes are not returned.
  std::optional<Score> primer;
  // The opening key, for models with Key tokens; unset: drawn for the
  // opening emotion (a primer keeps its own key). Where the valence of the
  // emotion changes sign, the session modulates to the parallel key.
  std::optional<MusicalKey> key;
  // Bar-ahead generation, for hosts that play in real time: once next_bar()
  // has returned bar n, a thread of the session's own writes bar n + 1 with
  // the emotion in force, so the next call returns it at once. A
  // set_emotion() with another emotion drops that bar and writes it again
  // from the same state: the bars are exactly those of a session without
  // lookahead given the same calls before the same bars.
  bool lookahead = false;
};

// One bar as it comes out of the session. Times are absolute: tick 0 and
// second 0 are the start of the session's music (the primer's start when
// there is one), at the model's resolution (ticks_per_beat).
struct SessionBar {
  int64_t index = 0;  // 0 for the first bar the session writes
  int ticks_per_beat = 480;
  int64_t start_tick = 0, end_tick = 0;
  double start_seconds = 0.0, end_seconds = 0.0;
  // The tempo at the bar's first beat, then every change inside the bar.
  double bpm = 120.0;
  std::vector<TempoChange> tempos;
  std::vector<Note> notes;        // in the order they were written: by onset
  std::vector<PedalEvent> pedal;  // sustain pedal changes inside the bar
  EmotionMix emotion;             // the emotion input of this bar's tokens
  std::optional<MusicalKey> key;  // the key in force at the bar's end (models with Key tokens)
  int64_t tokens = 0;             // tokens the bar took
};

// Appends a bar to `score` (its notes, pedal and tempo changes; the score
// takes the bar's ticks_per_beat), e.g. to keep what a session writes as a
// MIDI file that grows bar by bar.
void append_bar(Score& score, const SessionBar& bar);

class GenerationSession {
 public:
  // Keeps a reference to the shared, read-only model. Throws
  // Error(invalid_argument) for bad params, Error(unsupported) for a model
  // whose tokens have no bars.
  GenerationSession(const Model& model, const SessionOptions& options);
  ~GenerationSession();
  GenerationSession(GenerationSession&&) noexcept;
  GenerationSession& operator=(GenerationSession&&) noexcept;
  GenerationSession(const GenerationSession&) = delete;
  GenerationSession& operator=(const GenerationSession&) = delete;

  // Generates the next bar (with lookahead: returns the bar written ahead,
  // waiting for it if it is not finished). Throws Error(cancelled) when
  // cancel() was called before or during it: the partial bar is discarded,
  // the session is as it was before the call (its random stream too), the
  // cancel flag is cleared, and the next call writes that bar afresh.
  SessionBar next_bar();

  // The emotion of the bars from the next one on (the bar in progress, on
  // another thread, is not changed: call it between next_bar() calls). With
  // lookahead, a bar written ahead with another emotion is written again.
  void set_emotion(const EmotionMix& emotion);
  const EmotionMix& emotion() const;

  // Stops the bar in progress from any thread (see next_bar()). With
  // lookahead it stops (or drops) the bar written ahead too, and the next
  // next_bar() throws Error(cancelled).
  void cancel() const noexcept;
  // The flag cancel() sets, for hosts that hold a CancelToken already.
  const CancelToken& cancel_token() const noexcept;

  // Back to the state just after opening: same options, same seed, the
  // opening emotion; the next bar is bar 0 again, and identical to it.
  void reset();

  const Model& model() const;
  int64_t bars_written() const;  // bars returned since opening or reset()
  // Tokens held as the network's context (never more than the model's
  // context_length): what bounds the session's memory.
  int64_t context_tokens() const;

  struct Impl;  // src/sample/session_impl.hpp

 private:
  friend struct detail::ImplAccess;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emopiano
