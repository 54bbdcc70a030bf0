// The REMI sequence grammar as a state machine:
//
//   sequence := BOS [Emotion] [Key] bar* EOS
//   bar      := Bar [TimeSig] [Key] cell*      cells in strictly increasing Position
//   cell     := Position [Tempo] [Pedal] [Chord] note*   at least one of them
//   note     := Pitch Velocity Duration         pitches strictly increasing in a cell
//
// Pedal tokens alternate (Pedal_On only while the pedal is up, Pedal_Off only
// while it is down) and a Chord must be followed by a note. The decoder runs
// this same machine, so anything allowed() lets through decodes without a
// single invalid token. allowed() copies a per-stage mask and clears the few
// runs that depend on the state (earlier positions, lower pitches, the pedal
// token that would repeat the current state).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "emopiano/tokenizer.hpp"
#include "tokenizer/remi_vocabulary.hpp"

namespace emopiano::tokenizer {

class RemiGrammar final : public TokenGrammar {
 public:
  // Ticks of one grid step in decoded scores: ticks_per_beat is
  // positions_per_beat * 120, so a grid step is always a whole number of ticks.
  static constexpr int kTicksPerStep = 120;

  explicit RemiGrammar(std::shared_ptr<const RemiVocabulary> vocab);

  void allowed(uint8_t* mask) const override;
  bool advance(int32_t token) override;
  bool finished() const override { return stage_ == Stage::finished; }
  int32_t bar() const override { return bar_; }
  int32_t position() const override { return position_; }
  bool completed_note(Note* note) const override;
  std::unique_ptr<TokenGrammar> clone() const override;

  // Whether the one token is allowed here (the same answer allowed() gives).
  bool is_allowed(int32_t token) const;
  // True when the sequence so far has no unfinished run (a Position without
  // an event, a Chord without a note, a partial note): it could end here.
  bool complete() const;
  bool started() const { return stage_ != Stage::start; }
  // Tick of the current grid cell, and of the current bar's first cell.
  int64_t tick() const { return (bar_start_step_ + position_) * kTicksPerStep; }
  int64_t bar_start_tick() const { return bar_start_step_ * kTicksPerStep; }
  int metre() const { return metre_; }
  // Index (key_index) of the last Key token, or -1 before any.
  int key() const { return key_; }
  int ticks_per_beat() const { return vocab_->config().positions_per_beat * kTicksPerStep; }
  // Tick where the current bar ends (the next bar's first cell).
  int64_t bar_end_tick() const { return (bar_start_step_ + positions_in_bar_) * kTicksPerStep; }
  // The tempo in force and the state of the sustain pedal after the last token.
  double bpm() const { return bpm_; }
  bool pedal_down() const { return pedal_down_; }
  // Seconds through the tempo tokens seen so far: exact up to the next tempo change.
  double seconds_at(int64_t tick) const;

 private:
  enum class Stage : uint8_t {
    start,
    after_bos,
    after_emotion,
    after_opening_key,
    after_bar,
    after_time_sig,
    after_bar_key,
    after_position,
    after_tempo,
    after_pedal,
    after_chord,
    after_pitch,
    after_velocity,
    after_note,
    finished,
    count,
  };
  struct Tables;  // per-stage masks, shared by every copy
  static std::shared_ptr<const Tables> build_tables(const RemiVocabulary& vocab);

  std::shared_ptr<const RemiVocabulary> vocab_;
  std::shared_ptr<const Tables> tables_;
  Stage stage_ = Stage::start;
  int32_t bar_ = 0;
  int32_t position_ = 0;
  int metre_ = 0;
  int key_ = -1;
  int positions_in_bar_ = 0;
  int64_t bar_start_step_ = 0;
  int last_pitch_ = -1;  // highest pitch already in this cell
  int pending_pitch_ = 0;
  int pending_velocity_ = 0;
  bool pedal_down_ = false;
  bool note_done_ = false;
  Note note_;
  double bpm_ = 120.0;
  int64_t tempo_tick_ = 0;
  double tempo_seconds_ = 0.0;
};

}  // namespace emopiano::tokenizer
