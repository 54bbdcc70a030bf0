// The live session: the sampler's step (cached forward, guidance, grammar
// mask, token choice) one bar at a time, with the emotion read when each bar
// starts instead of from a trajectory written in advance.
//
// A bar ends where the model samples the next Bar token. That token is held
// back, not fed, until the next call: so it, and every token of its bar, gets
// the emotion in force when that call starts, and a cancelled call can be
// taken back whole by restoring the cursor copied at its start.
//
// Context: the window slides at bar lines. When a bar is to start with less
// than a quarter of the context left, the oldest whole bars are dropped so
// that at most half the context is kept, and the cache is rebuilt from them
// at once, in one pass: then the next half context runs on the cached step
// alone, and a bar written again (a cancel, or lookahead's change of emotion)
// starts from the rebuilt cache. A bar too long for the room left slides in
// its middle the same way. Bar inputs are re-based then, so the window's
// first bar is bar 1: a session of thousands of bars keeps feeding the bar
// numbers the model learned, never the clamped last one.
#include <algorithm>
#include <cstring>
#include <string>

#include <fmt/core.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "model/model_impl.hpp"
#include "sample/bar_ahead.hpp"
#include "sample/guidance.hpp"
#include "sample/next_token.hpp"
#include "sample/session_impl.hpp"
#include "sample/token_choice.hpp"
#include "sample/valence_guidance.hpp"
#include "tokenizer/remi_grammar.hpp"

namespace emopiano {

GenerationSession::Impl::Cursor GenerationSession::Impl::Cursor::copy() const {
  Cursor c;
  c.grammar = grammar->clone();
  c.inputs = inputs;
  c.random = random;
  c.key = key;
  c.key_valence = key_valence;
  c.valence_changed = valence_changed;
  c.forced = forced;
  c.density = density;
  c.bar_offset = bar_offset;
  c.sequence_length = sequence_length;
  c.bars_written = bars_written;
  return c;
}

GenerationSession::Impl::Impl(const Model& m, const SessionOptions& o)
    : model(m), options(o), emotion(o.emotion), net_(*impl_of(model).net), tokenizer_(model.tokenizer()) {
  options.params.validate();
  if (options.params.beams != 1)
    throw Error(ErrorCode::invalid_argument, "session: beams is for the VAE's greedy decoding; a session samples");
  vocab_ = tokenizer_.vocab_size();
  bar_token_ = tokenizer_.bar_id();
  eos_ = tokenizer_.eos_id();
  context_ = model.config().context_length;
  if (bar_token_ < 0) throw Error(ErrorCode::unsupported, "session: the model's tokens have no bars");
  const std::string metadata = model.metadata_json();
  // Valence guidance is the caller's to ask for here: its third row runs from
  // the first bar, as the emotion may change at any bar, and costs a session
  // 1.6x per token (docs/live.md), more than the lookahead hides.
  SamplingParams params = options.params;
  if (params.valence_guidance < 0.0f) params.valence_guidance = 0.0f;
  guidance_.emplace(tokenizer_, params, metadata);
  const bool keys_enabled = tokenizer_.key_id(MusicalKey{}).has_value();
  if (keys_enabled)
    for (int k = 0; k < kNumKeys; ++k) key_tokens_.push_back(*tokenizer_.key_id(key_from_index(k)));
  mask_.resize(static_cast<size_t>(vocab_));
  row_.resize(static_cast<size_t>(vocab_));

  opening_.grammar = tokenizer_.grammar();
  if (!dynamic_cast<const tokenizer::RemiGrammar*>(opening_.grammar.get()))
    throw Error(ErrorCode::unsupported, "session: the model's token scheme has no bar clock");
  opening_.random = sample::Random(options.params.seed);
  if (const float density = options.params.density_for(options.emotion.probabilities()); density > 0.0f)
    opening_.density.emplace(tokenizer_, density);
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
  writing_ = emotion;
  for (int32_t t : prompt) append(t, nullptr);
  cursor.key_valence = options.emotion.valence();
  opening_ = cursor.copy();
  if (options.lookahead) ahead_ = std::make_unique<sample::BarAhead>(*this);
}

GenerationSession::Impl::~Impl() { ahead_.reset(); }  // the worker stops before the state it writes goes

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
  c.inputs.push(token, c.grammar->bar() - c.bar_offset, c.grammar->position(), writing_.probabilities(), c.key);
  window_tokens_.store(static_cast<int64_t>(c.inputs.size()), std::memory_order_relaxed);
  if (observer) {
    observer(FedToken{0, c.sequence_length, token, c.inputs.bars.back(), c.inputs.positions.back(),
                      c.inputs.emotions.back(), c.inputs.keys.back()});
  }
  ++c.sequence_length;
  if (c.density) c.density->observe(remi());
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

// Drops the oldest tokens so that at most half the context is kept, from the
// first Bar token in that half (whole bars; a window that would hold no Bar
// keeps the exact half), and drops the cache with them.
void GenerationSession::Impl::slide() {
  sample::TokenInputs& in = cursor.inputs;
  const size_t keep = static_cast<size_t>(std::max<int64_t>(1, context_ / 2));
  if (in.size() <= keep) return;
  size_t first = in.size() - keep;
  const auto bar = std::find(in.tokens.begin() + static_cast<std::ptrdiff_t>(first), in.tokens.end(), bar_token_);
  if (bar != in.tokens.end()) first = static_cast<size_t>(bar - in.tokens.begin());
  in.erase_front(first);
  const int32_t shift = std::max(0, in.bars.front() - 1);
  for (auto& b : in.bars) b -= shift;
  cursor.bar_offset += shift;
  window_tokens_.store(static_cast<int64_t>(in.size()), std::memory_order_relaxed);
  cache.clear();
}

// Before a bar: slides when less than a quarter of the context is left, and
// rebuilds the cache from the window in one pass. Depends on the cursor
// alone (not on the coming bar's emotion), so it changes no bar to come.
void GenerationSession::Impl::slide_at_bar_line() {
  const int64_t room = context_ - static_cast<int64_t>(cursor.inputs.size());
  if (room >= std::max<int64_t>(1, context_ / 4)) return;
  slide();
  sample::next_logits(net_, {&cursor.inputs}, 0, cursor.inputs.size(), guidance_->conditions(), cache);
}

// The next token: the network runs over what it has not seen yet (sliding
// the window first when a bar has filled it), then a forced token or a draw.
int32_t GenerationSession::Impl::next_token(int64_t tokens_in_bar) {
  Cursor& c = cursor;
  if (static_cast<int64_t>(c.inputs.size()) > context_) slide();
  auto logits = sample::next_logits(net_, {&c.inputs}, static_cast<size_t>(cache.length), c.inputs.size(),
                                    guidance_->conditions(), cache);
  if (!c.forced.empty()) {
    const int32_t token = c.forced.front();
    c.forced.erase(c.forced.begin());
    return token;
  }
  std::memcpy(row_.data(), logits[0].data_ptr<float>(), sizeof(float) * static_cast<size_t>(vocab_));
  guidance_->apply(row_.data(), logits, 1, 0, c.valence_changed);
  sample::allowed_next(*c.grammar, tokenizer_, options.params.constrain_grammar, key_tokens_, mask_.data());
  mask_[static_cast<size_t>(eos_)] = 0;  // a session never ends by itself
  // A bar never takes more than half the context, so a slide in its middle
  // can keep the bar whole.
  if (tokens_in_bar >= std::max<int64_t>(16, context_ / 2) && mask_[static_cast<size_t>(bar_token_)]) {
    std::fill(mask_.begin(), mask_.end(), static_cast<uint8_t>(0));
    mask_[static_cast<size_t>(bar_token_)] = 1;
  }
  if (c.density) c.density->apply(remi(), mask_.data(), row_.data());
  const int32_t token = sample::choose_token(row_.data(), mask_.data(), vocab_, options.params, c.random);
  if (token < 0) throw Error(ErrorCode::internal, "session: no token is allowed here");
  return token;
}

SessionBar GenerationSession::Impl::write_bar(const EmotionMix& mix) {
  Cursor& c = cursor;
  writing_ = mix;
  SessionBar bar;
  bar.index = c.bars_written;
  bar.emotion = mix;
  bar.ticks_per_beat = remi().ticks_per_beat();
  if (stopped()) throw Error(ErrorCode::cancelled, "session: bar cancelled");
  append(bar_token_, &bar);  // held back at the end of the previous bar
  bar.tokens = 1;
  bar.start_tick = remi().bar_start_tick();
  bar.start_seconds = remi().seconds_at(bar.start_tick);
  bar.bpm = remi().bpm();
  bar.tempos.push_back(TempoChange{bar.start_tick, bar.start_seconds, bar.bpm});
  bar.pedal.clear();
  c.valence_changed = c.valence_changed || sample::valence_changed(options.emotion.valence(), mix.valence());
  if (c.density) c.density->set_target(options.params.density_for(mix.probabilities()));
  if (c.key) {
    // Where the valence has changed sign since the key was set, the bar
    // opens in the parallel key (as a trajectory's bars do).
    if (auto k = sample::key_change_at_bar(*c.key, c.key_valence, mix.valence()))
      c.forced.push_back(key_tokens_[static_cast<size_t>(key_index(*k))]);
  }
  for (;;) {
    if (stopped()) throw Error(ErrorCode::cancelled, "session: bar cancelled");
    const int32_t token = next_token(bar.tokens);
    if (token == bar_token_) break;  // the next bar starts: held back until it is asked for
    append(token, &bar);
  }
  bar.end_tick = remi().bar_end_tick();
  bar.end_seconds = remi().seconds_at(bar.end_tick);
  bar.key = c.key;
  ++c.bars_written;
  return bar;
}

GenerationSession::Impl::Checkpoint GenerationSession::Impl::checkpoint() const { return {cursor.copy(), cache}; }

void GenerationSession::Impl::restore(const Checkpoint& point) {
  cursor = point.cursor.copy();
  cache = point.cache;
  window_tokens_.store(static_cast<int64_t>(cursor.inputs.size()), std::memory_order_relaxed);
}

SessionBar GenerationSession::Impl::write_next(const EmotionMix& mix, Checkpoint& before) {
  if (stopped()) throw Error(ErrorCode::cancelled, "session: bar cancelled");
  slide_at_bar_line();
  before = checkpoint();
  try {
    return write_bar(mix);
  } catch (...) {
    restore(before);
    throw;
  }
}

SessionBar GenerationSession::Impl::next_bar() {
  SessionBar bar;
  if (ahead_) {
    bar = ahead_->take();
  } else {
    c10::InferenceMode inference;
    Checkpoint before;
    try {
      bar = write_next(emotion, before);
    } catch (...) {
      cancel.reset();
      throw;
    }
  }
  bars_returned = bar.index + 1;
  return bar;
}

void GenerationSession::Impl::set_emotion(const EmotionMix& mix) {
  if (ahead_)
    ahead_->set_emotion(mix);
  else
    emotion = mix;
}

void GenerationSession::Impl::restore_opening() {
  cursor = opening_.copy();
  cache.clear();
  window_tokens_.store(static_cast<int64_t>(cursor.inputs.size()), std::memory_order_relaxed);
  emotion = options.emotion;
  bars_returned = 0;
  cancel.reset();
}

void GenerationSession::Impl::reset() {
  if (ahead_)
    ahead_->reset();
  else
    restore_opening();
}

GenerationSession::GenerationSession(const Model& model, const SessionOptions& options)
    : impl_(std::make_unique<Impl>(model, options)) {}
GenerationSession::~GenerationSession() = default;
GenerationSession::GenerationSession(GenerationSession&&) noexcept = default;
GenerationSession& GenerationSession::operator=(GenerationSession&&) noexcept = default;

SessionBar GenerationSession::next_bar() { return impl_->next_bar(); }
void GenerationSession::set_emotion(const EmotionMix& emotion) { impl_->set_emotion(emotion); }
const EmotionMix& GenerationSession::emotion() const { return impl_->emotion; }
void GenerationSession::cancel() const noexcept { impl_->cancel.cancel(); }
const CancelToken& GenerationSession::cancel_token() const noexcept { return impl_->cancel; }
void GenerationSession::reset() { impl_->reset(); }
const Model& GenerationSession::model() const { return impl_->model; }
int64_t GenerationSession::bars_written() const { return impl_->bars_returned; }
int64_t GenerationSession::context_tokens() const { return impl_->context_tokens(); }

}  // namespace emopiano
