// Pitch transposition of token sequences, for data augmentation: every
// "Pitch_p" token becomes "Pitch_{p+s}" and every Key token moves its tonic
// by s with the pitches; every other token is unchanged. The
// table is built from the tokenizer's own token names, so it follows the
// vocabulary whatever the id layout.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "emopiano/tokenizer.hpp"

namespace emopiano::train {

class PitchTransposer {
 public:
  // Shifts in [min_shift, max_shift] semitones are prepared.
  PitchTransposer(const Tokenizer& tokenizer, int min_shift, int max_shift);

  int min_shift() const { return min_shift_; }
  int max_shift() const { return max_shift_; }
  // MIDI pitch of a Pitch token, or -1 for any other token (or an out-of-range id).
  int pitch_of(int32_t id) const;
  // The shifts in [min_shift, max_shift] that keep pitches lo..hi inside the
  // vocabulary (0 is always allowed). lo > hi (no pitches) allows the full range.
  std::pair<int, int> allowed_shifts(int lo, int hi) const;
  // Token id after shifting by `shift`; throws Error(invalid_argument) when the
  // shifted pitch has no token (callers choose shifts with allowed_shifts).
  int32_t transpose(int32_t id, int shift) const;
  // Shifts a whole sequence in place.
  void transpose(int32_t* ids, size_t count, int shift) const;

 private:
  int min_shift_, max_shift_;
  int vocab_pitch_min_ = 0, vocab_pitch_max_ = -1;
  std::vector<int> pitch_;            // id -> pitch or -1
  std::vector<int32_t> id_of_pitch_;  // pitch (0..127) -> id or -1
  std::vector<int> key_;              // id -> key_index or -1
  std::vector<int32_t> id_of_key_;    // key_index -> id (empty without Key tokens)
};

}  // namespace emopiano::train
