// The REMI vocabulary: which id is which token, for one TokenizerConfig.
// Ids come in families laid out contiguously in this order:
//   PAD BOS EOS Emotion_Q1..Q4 Bar Position_* Tempo_* Pitch_* Velocity_*
//   Duration_* [Pedal_On Pedal_Off] [Chord_*] [TimeSig_*] [Key_*]
// so the grammar can allow or forbid a whole family, or a run of one family,
// with one memset. Also owns the bins that map values to tokens and back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emopiano/tokenizer.hpp"

namespace emopiano::tokenizer {

enum class RemiKind : uint8_t {
  pad,
  bos,
  eos,
  emotion,
  bar,
  position,
  tempo,
  pitch,
  velocity,
  duration,
  pedal,
  chord,
  time_signature,
  key,
};

struct TokenRange {
  int32_t begin = 0;
  int32_t count = 0;
  int32_t end() const { return begin + count; }
  bool contains(int32_t id) const { return id >= begin && id < begin + count; }
};

struct Metre {
  int numerator = 4;
  int denominator = 4;
  int positions = 16;  // grid positions in one bar
};

class RemiVocabulary {
 public:
  explicit RemiVocabulary(const TokenizerConfig& config);

  const TokenizerConfig& config() const { return config_; }
  int32_t size() const { return static_cast<int32_t>(names_.size()); }

  int32_t pad() const { return 0; }
  int32_t bos() const { return 1; }
  int32_t eos() const { return 2; }
  int32_t bar() const { return bar_; }
  TokenRange emotion, position, tempo, pitch, velocity, duration, pedal, chord, time_signature, key;
  int32_t pedal_on() const { return pedal.begin; }
  int32_t pedal_off() const { return pedal.begin + 1; }

  bool valid(int32_t id) const { return id >= 0 && id < size(); }
  // Family of a valid id and its index inside the family.
  RemiKind kind(int32_t id) const { return kinds_[static_cast<size_t>(id)]; }
  int32_t index(int32_t id) const { return indices_[static_cast<size_t>(id)]; }
  const std::string& name(int32_t id) const { return names_[static_cast<size_t>(id)]; }
  std::optional<int32_t> find(std::string_view name) const;

  // Uniform velocity bins over 1..127; a bin decodes to the middle of the
  // velocities it holds.
  int velocity_bin(int velocity) const;
  int velocity_value(int bin) const { return velocity_values_[static_cast<size_t>(bin)]; }
  // Geometric tempo bins: representatives spaced evenly in log(bpm) from
  // tempo_min to tempo_max; a tempo goes to the nearest one in log space.
  int tempo_bin(double bpm) const;
  double tempo_value(int bin) const { return tempo_values_[static_cast<size_t>(bin)]; }
  // Durations are whole grid steps 1..max_duration_steps, one token each.
  int duration_bin(int steps) const;
  int duration_steps(int bin) const { return bin + 1; }

  // Metres the TimeSig tokens name (only 4/4 without use_time_signature).
  const std::vector<Metre>& metres() const { return metres_; }
  // Index of a metre in metres(), or -1 when it cannot be represented.
  int metre_index(int numerator, int denominator) const;
  int common_time() const { return common_time_; }  // index of 4/4
  int32_t max_positions_per_bar() const { return position.count; }

 private:
  void add(RemiKind kind, int32_t index, std::string name);
  TokenRange add_family(RemiKind kind, const std::vector<std::string>& names);

  TokenizerConfig config_;
  int32_t bar_ = 0;
  std::vector<std::string> names_;
  std::vector<RemiKind> kinds_;
  std::vector<int32_t> indices_;
  std::unordered_map<std::string, int32_t> by_name_;
  std::vector<int> velocity_values_;
  std::vector<double> tempo_values_;
  std::vector<Metre> metres_;
  int common_time_ = 0;
};

}  // namespace emopiano::tokenizer
