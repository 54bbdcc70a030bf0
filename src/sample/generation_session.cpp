// The live session: the sampler's step (cached forward, guidance, grammar
// mask, token choice) one bar at a time, with the emotion read when each bar
// starts instead of from a trajectory written in advance.
//
// A bar ends where the model samples the next Bar token. That token is held
// back, not fed, until the next call: so it, and every token of its bar, gets
// the emotion in force when that call starts, and a cancelled call can be
// taken back whole by restoring the cursor copied at its start.
//
// Context: when the sequence would pass context_length tokens, the cache is
// dropped and rebuilt from the last context_length / 2 (as the sampler does)
// and older tokens are forgotten. Bar inputs are re-based then, so the
// window's first bar is bar 1: a session of thousands of bars keeps feeding
// the bar numbers the model learned, never the clamped last one.
#include <algorithm>
#include <cstring>
#include <string>

#include <fmt/core.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "model/model_impl.hpp"
#include "sample/guidance.hpp"
#include "sample/next_token.hpp"
#include "sample/session_impl.hpp"
#include "sample/token_choice.hpp"
#include "tokenizer/remi_grammar.hpp"

namespace emopiano {

GenerationSession::Impl::Cursor GenerationSession::Impl::Cursor::copy() const {
  Cursor c;
  c.grammar = grammar->clone();
  c.inputs = inputs;
  c.random = random;
  c.key = key;
  c.key_valence = key_valence;
  c.forced = forced;
  c.bar_offset = bar_offset;
  c.sequence_length = sequence_length;
  c.bars_written = bars_written;
  return c;
}

GenerationSession::Impl::Impl(const Model& m, const SessionOptions& o)
    : model(m), options(o), emotion(o.emotion), net_(*impl_of(model).net), tokenizer_(model.tokenizer()) {
  options.params.validate();
  vocab_ = tokenizer_.vocab_size();
  bar_token_ = tokenizer_.bar_id();
  eos_ = tokenizer_.eos_id();
  context_ = model.config().context_length;
  if (bar_token_ < 0) throw Error(ErrorCode::unsupported, "session: the model's tokens have no bars");
  const std::string metadata = model.metadata_json();
  guidance_ = sample::resolve_guidance(options.params.guidance, metadata);
  guided_ = guidance_ != 1.0f;
  const bool keys_enabled = tokenizer_.key_id(MusicalKey{}).has_value();
  if (keys_enabled)
    for (int k = 0; k < kNumKeys; ++k) key_tokens_.push_back(*tokenizer_.key_id(key_from_index(k)));
  mask_.resize(static_cast<size_t>(vocab_));
  row_.resize(static_cast<size_t>(vocab_));

  opening_.grammar = tokenizer_.grammar();
  if (!dynamic_cast<const tokenizer::RemiGrammar*>(opening_.grammar.get()))
    throw Error(ErrorCode::unsupported, "session: the model's token scheme has no bar clock");
  opening_.random = sample::Random(options.params.seed);
  const Quadrant q = options.emotion.dominant();
  std::vector<int32_t> prompt;
  if (options.primer) {
    prompt = tokenizer_.encode(*options.primer, q);
    if (!prompt.empty() && prompt.back() == eos_) prompt.pop_back();
  } else {
    prompt = {tokenizer_.bos_id()};
    if (tokenizer_.config().emotion_token) prompt.push_back(tokenizer_.emotion_id(q));
    if (keys_enabled) {
      const auto keys = sample::KeyDistribution::from_metadata(metadata);
      const MusicalKey key = sample::opening_key(options.key, keys, options.emotion, options.params.seed);
      prompt.push_back(key_tokens_[static_cast<size_t>(key_index(key))]);
    }
  }
  cursor = std::move(opening_);
  for (int32_t t : prompt) append(t, nullptr);
  cursor.key_valence = options.emotion.valence();
  opening_ = cursor.copy();
}

const tokenizer::RemiGrammar& GenerationSession::Impl::remi() const {
  return static_cast<const tokenizer::RemiGrammar&>(*cursor.grammar);  // checked at opening
}

// Appends a token to the sequence with the current emotion; with `bar`,
// collects what the token completes (a note, a pedal or tempo change).
void GenerationSession::Impl::append(int32_t token, SessionBar* bar) {
  Cursor& c = cursor;
  const double bpm_before = remi().bpm();
  const bool pedal_before = remi().pedal_down();
  c.grammar->advance(token);
  if (!key_tokens_.empty())
    if (auto k = tokenizer_.key_of(token)) c.key = *k;
  c.inputs.push(token, c.grammar->bar() - c.bar_offset, c.grammar->position(), emotion.probabilities(), c.key);
  if (observer) {
    observer(FedToken{0, c.sequence_length, token, c.inputs.bars.back(), c.inputs.positions.back(),
                      c.inputs.emotions.back(), c.inputs.keys.back()});
  }
  ++c.sequence_length;
  if (!bar) return;
  ++bar->tokens;
  const auto& g = remi();
  Note note;
  if (c.grammar->completed_note(&note)) bar->notes.push_back(note);
  if (g.pedal_down() != pedal_before) {
    const bool down = g.pedal_down();
    bar->pedal.push_back(PedalEvent{g.tick(), g.seconds_at(g.tick()), down, down ? 127 : 0});
  }
  if (g.bpm() != bpm_before) {
    const TempoChange change{g.tick(), g.seconds_at(g.tick()), g.bpm()};
    // A change on the bar's first cell is the bar's own tempo.
    if (!bar->tempos.empty() && bar->tempos.back().tick == change.tick)
      bar->tempos.back() = change;
    else
      bar->tempos.push_back(change);
    bar->bpm = bar->tempos.front().bpm;
  }
}

// The next token: the network runs over what it has not seen yet (sliding
// the window first when it is full), then a forced token or a draw.
int32_t GenerationSession::Impl::next_token(int64_t tokens_in_bar, bool& slid) {
  Cursor& c = cursor;
  if (static_cast<int64_t>(c.inputs.size()) > context_) {
    c.inputs.erase_front(c.inputs.size() - static_cast<size_t>(std::max<int64_t>(1, context_ / 2)));
    const int32_t shift = std::max(0, c.inputs.bars.front() - 1);
    for (auto& b : c.inputs.bars) b -= shift;
    c.bar_offset += shift;
    cache.clear();
    slid = true;
  }
  auto logits =
      sample::next_logits(net_, {&c.inputs}, static_cast<size_t>(cache.length), c.inputs.size(), guided_, cache);
  if (!c.forced.empty()) {
    const int32_t token = c.forced.front();
    c.forced.erase(c.forced.begin());
    return token;
  }
  std::memcpy(row_.data(), logits[0].data_ptr<float>(), sizeof(float) * static_cast<size_t>(vocab_));
  if (guided_) sample::apply_guidance(row_.data(), logits[1].data_ptr<float>(), vocab_, guidance_);
  sample::allowed_next(*c.grammar, tokenizer_, options.params.constrain_grammar, key_tokens_, mask_.data());
  mask_[static_cast<size_t>(eos_)] = 0;  // a session never ends by itself
  // A bar never takes more than half the context, so the window always
  // holds the bar before: past that, the bar ends where it can.
  if (tokens_in_bar >= std::max<int64_t>(16, context_ / 2) && mask_[static_cast<size_t>(bar_token_)]) {
    std::fill(mask_.begin(), mask_.end(), static_cast<uint8_t>(0));
    mask_[static_cast<size_t>(bar_token_)] = 1;
  }
  const int32_t token = sample::choose_token(row_.data(), mask_.data(), vocab_, options.params, c.random);
  if (token < 0) throw Error(ErrorCode::internal, "session: no token is allowed here");
  return token;
}

SessionBar GenerationSession::Impl::write_bar(bool& slid) {
  Cursor& c = cursor;
  SessionBar bar;
  bar.index = c.bars_written;
  bar.emotion = emotion;
  bar.ticks_per_beat = remi().ticks_per_beat();
  if (cancel.cancelled()) throw Error(ErrorCode::cancelled, "session: bar cancelled");
  append(bar_token_, &bar);  // held back at the end of the previous bar
  bar.tokens = 1;
  bar.start_tick = remi().bar_start_tick();
  bar.start_seconds = remi().seconds_at(bar.start_tick);
  bar.bpm = remi().bpm();
  bar.tempos.push_back(TempoChange{bar.start_tick, bar.start_seconds, bar.bpm});
  bar.pedal.clear();
  if (c.key) {
    // Where the valence has changed sign since the key was set, the bar
    // opens in the parallel key (as a trajectory's bars do).
    if (auto k = sample::key_change_at_bar(*c.key, c.key_valence, emotion.valence()))
      c.forced.push_back(key_tokens_[static_cast<size_t>(key_index(*k))]);
  }
  for (;;) {
    if (cancel.cancelled()) throw Error(ErrorCode::cancelled, "session: bar cancelled");
    const int32_t token = next_token(bar.tokens, slid);
    if (token == bar_token_) break;  // the next bar starts: held back until it is asked for
    append(token, &bar);
  }
  bar.end_tick = remi().bar_end_tick();
  bar.end_seconds = remi().seconds_at(bar.end_tick);
  bar.key = c.key;
  ++c.bars_written;
  return bar;
}

SessionBar GenerationSession::Impl::next_bar() {
  c10::InferenceMode inference;
  Cursor saved = cursor.copy();
  const int64_t cached = cache.length;
  bool slid = false;
  try {
    return write_bar(slid);
  } catch (...) {
    // Take the bar back: the cursor as it was, the cache cut back to it
    // (or rebuilt by the next call when the window slid meanwhile).
    cursor = std::move(saved);
    if (slid || cache.length < cached)
      cache.clear();
    else
      cache.length = cached;
    cancel.reset();
    throw;
  }
}

void GenerationSession::Impl::reset() {
  cursor = opening_.copy();
  cache.clear();
  emotion = options.emotion;
  cancel.reset();
}

GenerationSession::GenerationSession(const Model& model, const SessionOptions& options)
    : impl_(std::make_unique<Impl>(model, options)) {}
GenerationSession::~GenerationSession() = default;
GenerationSession::GenerationSession(GenerationSession&&) noexcept = default;
GenerationSession& GenerationSession::operator=(GenerationSession&&) noexcept = default;

SessionBar GenerationSession::next_bar() { return impl_->next_bar(); }
void GenerationSession::set_emotion(const EmotionMix& emotion) { impl_->emotion = emotion; }
const EmotionMix& GenerationSession::emotion() const { return impl_->emotion; }
void GenerationSession::cancel() const noexcept { impl_->cancel.cancel(); }
const CancelToken& GenerationSession::cancel_token() const noexcept { return impl_->cancel; }
void GenerationSession::reset() { impl_->reset(); }
const Model& GenerationSession::model() const { return impl_->model; }
int64_t GenerationSession::bars_written() const { return impl_->cursor.bars_written; }
int64_t GenerationSession::context_tokens() const { return static_cast<int64_t>(impl_->cursor.inputs.size()); }

}  // namespace emopiano
