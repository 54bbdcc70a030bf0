#include "tokenizer/remi_grammar.hpp"

#include <array>
#include <cstring>

namespace emopiano::tokenizer {

struct RemiGrammar::Tables {
  std::array<std::vector<uint8_t>, static_cast<size_t>(Stage::count)> masks;
};

std::shared_ptr<const RemiGrammar::Tables> RemiGrammar::build_tables(const RemiVocabulary& v) {
  auto t = std::make_shared<Tables>();
  const auto n = static_cast<size_t>(v.size());
  for (auto& m : t->masks) m.assign(n, 0);
  auto set = [&](Stage s, const TokenRange& r) {
    if (r.count > 0) std::memset(t->masks[static_cast<size_t>(s)].data() + r.begin, 1, static_cast<size_t>(r.count));
  };
  auto one = [&](Stage s, int32_t id) { t->masks[static_cast<size_t>(s)][static_cast<size_t>(id)] = 1; };
  // What may end a bar or the piece: the states without an unfinished run.
  auto closers = [&](Stage s) {
    one(s, v.bar());
    one(s, v.eos());
  };

  one(Stage::start, v.bos());
  set(Stage::after_bos, v.emotion);
  set(Stage::after_bos, v.key);
  closers(Stage::after_bos);
  set(Stage::after_emotion, v.key);
  closers(Stage::after_emotion);
  closers(Stage::after_opening_key);

  set(Stage::after_bar, v.time_signature);
  set(Stage::after_bar, v.key);
  set(Stage::after_bar, v.position);
  closers(Stage::after_bar);
  set(Stage::after_time_sig, v.key);
  set(Stage::after_time_sig, v.position);
  closers(Stage::after_time_sig);
  set(Stage::after_bar_key, v.position);
  closers(Stage::after_bar_key);

  for (Stage s : {Stage::after_position, Stage::after_tempo, Stage::after_pedal}) {
    set(s, v.chord);
    set(s, v.pitch);
  }
  set(Stage::after_position, v.tempo);
  set(Stage::after_position, v.pedal);
  set(Stage::after_tempo, v.pedal);
  for (Stage s : {Stage::after_tempo, Stage::after_pedal, Stage::after_note}) {
    set(s, v.position);
    closers(s);
  }
  set(Stage::after_chord, v.pitch);
  set(Stage::after_pitch, v.velocity);
  set(Stage::after_velocity, v.duration);
  set(Stage::after_note, v.pitch);
  return t;
}

RemiGrammar::RemiGrammar(std::shared_ptr<const RemiVocabulary> vocab)
    : vocab_(std::move(vocab)), tables_(build_tables(*vocab_)) {
  metre_ = vocab_->common_time();
  positions_in_bar_ = vocab_->metres()[static_cast<size_t>(metre_)].positions;
}

void RemiGrammar::allowed(uint8_t* mask) const {
  const auto& base = tables_->masks[static_cast<size_t>(stage_)];
  std::memcpy(mask, base.data(), base.size());
  const auto& v = *vocab_;
  auto clear = [&](int32_t begin, int32_t end) {
    if (end > begin) std::memset(mask + begin, 0, static_cast<size_t>(end - begin));
  };
  switch (stage_) {
    case Stage::after_bar:
    case Stage::after_time_sig:
    case Stage::after_bar_key: clear(v.position.begin + positions_in_bar_, v.position.end()); break;
    case Stage::after_position:
      if (v.pedal.count) mask[pedal_down_ ? v.pedal_on() : v.pedal_off()] = 0;
      break;
    case Stage::after_tempo:
      if (v.pedal.count) mask[pedal_down_ ? v.pedal_on() : v.pedal_off()] = 0;
      clear(v.position.begin, v.position.begin + position_ + 1);
      clear(v.position.begin + positions_in_bar_, v.position.end());
      break;
    case Stage::after_pedal:
      clear(v.position.begin, v.position.begin + position_ + 1);
      clear(v.position.begin + positions_in_bar_, v.position.end());
      break;
    case Stage::after_note:
      clear(v.position.begin, v.position.begin + position_ + 1);
      clear(v.position.begin + positions_in_bar_, v.position.end());
      clear(v.pitch.begin, v.pitch.begin + (last_pitch_ - v.config().pitch_min) + 1);
      break;
    default: break;
  }
}

bool RemiGrammar::is_allowed(int32_t id) const {
  const auto& v = *vocab_;
  if (!v.valid(id) || !tables_->masks[static_cast<size_t>(stage_)][static_cast<size_t>(id)]) return false;
  switch (v.kind(id)) {
    case RemiKind::position: {
      int p = v.index(id);
      if (p >= positions_in_bar_) return false;
      bool first_in_bar =
          stage_ == Stage::after_bar || stage_ == Stage::after_time_sig || stage_ == Stage::after_bar_key;
      return first_in_bar || p > position_;
    }
    case RemiKind::pedal: return (id == v.pedal_on()) != pedal_down_;
    case RemiKind::pitch: return stage_ != Stage::after_note || v.index(id) + v.config().pitch_min > last_pitch_;
    default: return true;
  }
}

bool RemiGrammar::advance(int32_t id) {
  if (!is_allowed(id)) return false;
  const auto& v = *vocab_;
  note_done_ = false;
  switch (v.kind(id)) {
    case RemiKind::pad:  // never allowed; listed for completeness
      break;
    case RemiKind::bos: stage_ = Stage::after_bos; break;
    case RemiKind::emotion: stage_ = Stage::after_emotion; break;
    case RemiKind::eos: stage_ = Stage::finished; break;
    case RemiKind::bar:
      if (bar_ > 0) bar_start_step_ += positions_in_bar_;
      ++bar_;
      position_ = 0;
      stage_ = Stage::after_bar;
      break;
    case RemiKind::time_signature:
      metre_ = v.index(id);
      positions_in_bar_ = v.metres()[static_cast<size_t>(metre_)].positions;
      stage_ = Stage::after_time_sig;
      break;
    case RemiKind::key:
      key_ = v.index(id);
      stage_ = (stage_ == Stage::after_bos || stage_ == Stage::after_emotion) ? Stage::after_opening_key
                                                                              : Stage::after_bar_key;
      break;
    case RemiKind::position:
      position_ = v.index(id);
      last_pitch_ = -1;
      stage_ = Stage::after_position;
      break;
    case RemiKind::tempo:
      tempo_seconds_ = seconds_at(tick());
      tempo_tick_ = tick();
      bpm_ = v.tempo_value(v.index(id));
      stage_ = Stage::after_tempo;
      break;
    case RemiKind::pedal:
      pedal_down_ = id == v.pedal_on();
      stage_ = Stage::after_pedal;
      break;
    case RemiKind::chord: stage_ = Stage::after_chord; break;
    case RemiKind::pitch:
      pending_pitch_ = v.index(id) + v.config().pitch_min;
      stage_ = Stage::after_pitch;
      break;
    case RemiKind::velocity:
      pending_velocity_ = v.velocity_value(v.index(id));
      stage_ = Stage::after_velocity;
      break;
    case RemiKind::duration: {
      note_.pitch = pending_pitch_;
      note_.velocity = pending_velocity_;
      note_.channel = 0;
      note_.start_tick = tick();
      note_.end_tick = note_.start_tick + int64_t{v.duration_steps(v.index(id))} * kTicksPerStep;
      note_.start_seconds = seconds_at(note_.start_tick);
      note_.end_seconds = seconds_at(note_.end_tick);
      last_pitch_ = pending_pitch_;
      note_done_ = true;
      stage_ = Stage::after_note;
      break;
    }
  }
  return true;
}

bool RemiGrammar::complete() const {
  switch (stage_) {
    case Stage::after_position:
    case Stage::after_chord:
    case Stage::after_pitch:
    case Stage::after_velocity: return false;
    default: return true;
  }
}

bool RemiGrammar::completed_note(Note* note) const {
  if (!note_done_) return false;
  if (note) *note = note_;
  return true;
}

std::unique_ptr<TokenGrammar> RemiGrammar::clone() const { return std::make_unique<RemiGrammar>(*this); }

// Seconds through the tempo tokens seen so far: exact for a note's onset; its
// end assumes no later tempo change (the decoder recomputes from the full map).
double RemiGrammar::seconds_at(int64_t t) const {
  return tempo_seconds_ + static_cast<double>(t - tempo_tick_) * 60.0 / (bpm_ * ticks_per_beat());
}

}  // namespace emopiano::tokenizer
