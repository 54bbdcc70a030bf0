// Tokenizers turn a Score into integer token ids and back. The base class is
// the interface every caller (dataset, trainer, sampler, C ABI) uses; schemes
// (REMI today; compound word or Octuple later) are subclasses created by name
// from a TokenizerConfig, so adding one never touches a caller.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emopiano/emotion.hpp"
#include "emopiano/key.hpp"
#include "emopiano/score.hpp"

namespace emopiano {

// Everything that defines a vocabulary. Saved as JSON inside every model file,
// so a model always decodes with the vocabulary it was trained with.
struct TokenizerConfig {
  std::string scheme = "remi";
  int positions_per_beat = 4;  // 4 = a 16th-note grid
  int pitch_min = 21;          // piano range A0..C8
  int pitch_max = 108;
  int velocity_bins = 32;  // uniform bins over 1..127
  // Geometric tempo bins over [tempo_min, tempo_max]. The defaults give ten
  // bins an octave (7% apart) with 60, 120 and 240 BPM exactly on bins.
  int tempo_bins = 31;
  double tempo_min = 30.0;
  double tempo_max = 240.0;
  int max_duration_steps = 64;      // longest duration in grid steps; longer is clipped
  bool use_tempo = true;            // a Tempo token at the start and at each change
  bool use_pedal = true;            // Pedal_On / Pedal_Off tokens at grid positions
  bool use_chords = false;          // a Chord token before notes that form a known chord
  bool use_time_signature = false;  // a TimeSig token after Bar when the metre changes
  // A Key token (tonic and mode) after BOS and after Bar where the key
  // changes: the key the model is conditioned on. From the score's key
  // signatures, or estimated from its notes when it has none.
  bool use_key = false;
  // The Emotion_Qn token after BOS when encoding with an emotion. Models that
  // take the emotion only as the per-position input (and learn a null
  // emotion for classifier-free guidance) turn it off.
  bool emotion_token = true;
  // Which beats the grid follows: "score" the score's own ticks, "tracked"
  // the beats track_beats() finds (the score is retime()d before encoding),
  // "auto" tracked only for scores is_unaligned() flags (performances stored
  // at a nominal tempo). See emopiano/beats.hpp.
  std::string grid = "auto";

  std::string to_json() const;
  // Throws Error(format) on malformed JSON, Error(invalid_argument) on
  // out-of-range values. Missing keys keep their defaults.
  static TokenizerConfig from_json(std::string_view json);
  void validate() const;  // throws Error(invalid_argument)
  bool operator==(const TokenizerConfig& other) const;
};

// Incremental grammar of one token sequence: which tokens may come next.
// The sampler masks everything else, so every generated sequence decodes to a
// well-formed score. Also tracks the musical position (bar, position in bar)
// that the model is given beside each token.
class TokenGrammar {
 public:
  virtual ~TokenGrammar() = default;
  // mask[i] = 1 when token i may come next, else 0 (vocab_size entries).
  virtual void allowed(uint8_t* mask) const = 0;
  // Consumes a token. Returns false, leaving the state unchanged, when the
  // token is not allowed here.
  virtual bool advance(int32_t token) = 0;
  virtual bool finished() const = 0;  // EOS consumed
  // Musical position after the last consumed token: bars started so far
  // (0 before the first Bar) and grid position inside the current bar.
  virtual int32_t bar() const = 0;
  virtual int32_t position() const = 0;
  // True when the last consumed token completed a note; *note gets it (ticks
  // at the tokenizer's resolution, seconds from the decoded tempo).
  virtual bool completed_note(Note* note) const = 0;
  virtual std::unique_ptr<TokenGrammar> clone() const = 0;
};

// What encoding changed or left out, for data statistics and round-trip
// reports. Every count is of notes unless it says otherwise.
struct EncodeStats {
  int64_t notes_in = 0;            // notes in the score
  int64_t notes_encoded = 0;       // notes written as Pitch/Velocity/Duration
  int64_t pitch_out_of_range = 0;  // outside [pitch_min, pitch_max]: dropped
  int64_t notes_merged = 0;        // same pitch on the same grid cell: merged into one
  int64_t durations_clipped = 0;   // longer than max_duration_steps: clipped
  int64_t onsets_clamped = 0;      // in the last half step of a bar: kept on its last position
  // Pedal and tempo events that change nothing at the grid's resolution:
  // repeats of the state or bin in force, or changes undone in one grid cell.
  int64_t pedal_events_dropped = 0;
  int64_t tempo_events_dropped = 0;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Creates the tokenizer the config's scheme names. Throws Error(invalid_argument).
  static std::unique_ptr<Tokenizer> create(const TokenizerConfig& config = {});

  virtual const TokenizerConfig& config() const = 0;
  virtual int32_t vocab_size() const = 0;

  virtual int32_t pad_id() const = 0;
  virtual int32_t bos_id() const = 0;
  virtual int32_t eos_id() const = 0;
  virtual int32_t emotion_id(Quadrant q) const = 0;
  // The token that starts a bar; -1 for a scheme without bar tokens.
  virtual int32_t bar_id() const { return -1; }
  // The quadrant an emotion token stands for, or nullopt.
  virtual std::optional<Quadrant> emotion_of(int32_t id) const = 0;
  // The Key token of a key, or nullopt when the vocabulary has none (use_key off).
  virtual std::optional<int32_t> key_id(const MusicalKey& key) const {
    (void)key;
    return std::nullopt;
  }
  // The key a Key token stands for, or nullopt.
  virtual std::optional<MusicalKey> key_of(int32_t id) const {
    (void)id;
    return std::nullopt;
  }

  // BOS, [Emotion_Qn when `emotion` is set and config().emotion_token],
  // [Key with use_key], the piece, EOS.
  // `stats`, when given, receives what was dropped or merged on the way.
  virtual std::vector<int32_t> encode(const Score& score, std::optional<Quadrant> emotion = std::nullopt,
                                      EncodeStats* stats = nullptr) const = 0;
  // Total: any id sequence decodes to a valid Score. Ill-formed runs and
  // out-of-range ids are skipped and counted in Score::warnings.invalid_tokens.
  virtual Score decode(const int32_t* ids, size_t count) const = 0;
  Score decode(const std::vector<int32_t>& ids) const { return decode(ids.data(), ids.size()); }

  // "Bar", "Position_4", "Pitch_60", ... ; "<invalid:N>" for an out-of-range id.
  virtual std::string token_to_string(int32_t id) const = 0;
  // Throws Error(not_found) for an unknown string.
  virtual int32_t token_from_string(std::string_view text) const = 0;

  // A fresh grammar positioned before the first token (BOS).
  virtual std::unique_ptr<TokenGrammar> grammar() const = 0;

  // Musical position of each token, as TokenGrammar::bar()/position() read
  // after consuming it. Tokens the grammar rejects keep the previous position.
  void musical_positions(const int32_t* ids, size_t count, int32_t* bars, int32_t* positions) const;
  // Grid positions in one bar of the longest metre the vocabulary supports
  // (the model's position-in-bar embedding size).
  virtual int32_t max_positions_per_bar() const = 0;
};

}  // namespace emopiano
