#include "tokenizer/remi_vocabulary.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/core.h>

#include "tokenizer/chord_detection.hpp"

namespace emopiano::tokenizer {

namespace {

// Tempo names show the representative bpm with as few decimals as keep every
// name distinct ("Tempo_120" rather than "Tempo_119.6" when 0 decimals do).
std::vector<std::string> tempo_names(const std::vector<double>& values) {
  for (int decimals = 0;; ++decimals) {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (double v : values) {
      names.push_back(fmt::format("Tempo_{:.{}f}", v, decimals));
      seen.insert(names.back());
    }
    if (seen.size() == names.size() || decimals >= 9) return names;
  }
}

// Metres with a whole number of grid positions per bar, up to twelve quarter
// notes long: every time signature a piano score plausibly uses.
std::vector<Metre> supported_metres(int positions_per_beat) {
  std::vector<Metre> out;
  for (int den : {2, 4, 8, 16}) {
    for (int num = 1; num <= 12; ++num) {
      int quarter_units = num * 4;  // bar length in quarters = quarter_units / den
      if (quarter_units > 12 * den) continue;
      if ((quarter_units * positions_per_beat) % den != 0) continue;
      out.push_back({num, den, quarter_units * positions_per_beat / den});
    }
  }
  return out;
}

}  // namespace

RemiVocabulary::RemiVocabulary(const TokenizerConfig& config) : config_(config) {
  config_.validate();
  const auto& c = config_;

  add(RemiKind::pad, 0, "PAD");
  add(RemiKind::bos, 0, "BOS");
  add(RemiKind::eos, 0, "EOS");
  emotion = add_family(RemiKind::emotion, {"Emotion_Q1", "Emotion_Q2", "Emotion_Q3", "Emotion_Q4"});
  bar_ = size();
  add(RemiKind::bar, 0, "Bar");

  if (c.use_time_signature) {
    metres_ = supported_metres(c.positions_per_beat);
  } else {
    metres_ = {{4, 4, 4 * c.positions_per_beat}};
  }
  common_time_ = metre_index(4, 4);
  int max_positions = 0;
  for (const auto& m : metres_) max_positions = std::max(max_positions, m.positions);

  std::vector<std::string> names;
  for (int p = 0; p < max_positions; ++p) names.push_back(fmt::format("Position_{}", p));
  position = add_family(RemiKind::position, names);

  if (c.use_tempo) {
    for (int i = 0; i < c.tempo_bins; ++i) {
      double v = c.tempo_bins == 1
                     ? std::sqrt(c.tempo_min * c.tempo_max)
                     : c.tempo_min * std::pow(c.tempo_max / c.tempo_min, static_cast<double>(i) / (c.tempo_bins - 1));
      tempo_values_.push_back(v);
    }
    tempo = add_family(RemiKind::tempo, tempo_names(tempo_values_));
  } else {
    tempo = {size(), 0};
  }

  names.clear();
  for (int p = c.pitch_min; p <= c.pitch_max; ++p) names.push_back(fmt::format("Pitch_{}", p));
  pitch = add_family(RemiKind::pitch, names);

  // Each bin's representative is the middle of the velocities that fall in it.
  velocity_values_.assign(static_cast<size_t>(c.velocity_bins), 0);
  std::vector<int> lo(static_cast<size_t>(c.velocity_bins), 128), hi(static_cast<size_t>(c.velocity_bins), 0);
  for (int v = 1; v <= 127; ++v) {
    auto b = static_cast<size_t>(velocity_bin(v));
    lo[b] = std::min(lo[b], v);
    hi[b] = std::max(hi[b], v);
  }
  names.clear();
  for (size_t b = 0; b < velocity_values_.size(); ++b) {
    velocity_values_[b] = (lo[b] + hi[b]) / 2;
    names.push_back(fmt::format("Velocity_{}", velocity_values_[b]));
  }
  velocity = add_family(RemiKind::velocity, names);

  names.clear();
  for (int s = 1; s <= c.max_duration_steps; ++s) names.push_back(fmt::format("Duration_{}", s));
  duration = add_family(RemiKind::duration, names);

  pedal = c.use_pedal ? add_family(RemiKind::pedal, {"Pedal_On", "Pedal_Off"}) : TokenRange{size(), 0};

  names.clear();
  if (c.use_chords)
    for (int i = 0; i < chord_count(); ++i) names.push_back("Chord_" + chord_name(i));
  chord = add_family(RemiKind::chord, names);

  names.clear();
  if (c.use_time_signature)
    for (const auto& m : metres_) names.push_back(fmt::format("TimeSig_{}/{}", m.numerator, m.denominator));
  time_signature = add_family(RemiKind::time_signature, names);

  // "Key_C_major" .. "Key_B_minor", in key_index() order.
  names.clear();
  if (c.use_key) {
    for (int i = 0; i < kNumKeys; ++i) {
      std::string n = key_from_index(i).name();
      n[n.find(' ')] = '_';
      names.push_back("Key_" + n);
    }
  }
  key = add_family(RemiKind::key, names);
}

void RemiVocabulary::add(RemiKind kind, int32_t index, std::string name) {
  by_name_.emplace(name, size());
  names_.push_back(std::move(name));
  kinds_.push_back(kind);
  indices_.push_back(index);
}

TokenRange RemiVocabulary::add_family(RemiKind kind, const std::vector<std::string>& names) {
  TokenRange r{size(), static_cast<int32_t>(names.size())};
  for (size_t i = 0; i < names.size(); ++i) add(kind, static_cast<int32_t>(i), names[i]);
  return r;
}

std::optional<int32_t> RemiVocabulary::find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

int RemiVocabulary::velocity_bin(int velocity) const {
  int v = std::clamp(velocity, 1, 127);
  return (v - 1) * config_.velocity_bins / 127;
}

int RemiVocabulary::tempo_bin(double bpm) const {
  int n = config_.tempo_bins;
  if (n == 1 || !(bpm > 0.0)) return 0;
  double x = std::log(bpm / config_.tempo_min) / std::log(config_.tempo_max / config_.tempo_min) * (n - 1);
  if (!std::isfinite(x)) return x > 0 ? n - 1 : 0;
  return static_cast<int>(std::clamp(std::lround(x), 0L, static_cast<long>(n - 1)));
}

int RemiVocabulary::duration_bin(int steps) const { return std::clamp(steps, 1, config_.max_duration_steps) - 1; }

int RemiVocabulary::metre_index(int numerator, int denominator) const {
  for (size_t i = 0; i < metres_.size(); ++i)
    if (metres_[i].numerator == numerator && metres_[i].denominator == denominator) return static_cast<int>(i);
  return -1;
}

}  // namespace emopiano::tokenizer
