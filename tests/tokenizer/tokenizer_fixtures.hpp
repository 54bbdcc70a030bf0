// Small hand-built scores and helpers shared by the tokenizer tests.
#pragma once

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "emopiano/score.hpp"
#include "emopiano/tokenizer.hpp"

namespace emopiano::test {

inline Note make_note(int pitch, int64_t start, int64_t length, int velocity = 80) {
  Note n;
  n.pitch = pitch;
  n.velocity = velocity;
  n.start_tick = start;
  n.end_tick = start + length;
  return n;
}

// An EMOPIA-like score: 384 ticks per beat, 4/4, 120 BPM.
inline Score make_score(std::vector<Note> notes, int ticks_per_beat = 384) {
  Score s;
  s.ticks_per_beat = ticks_per_beat;
  s.notes = std::move(notes);
  s.tempos = {TempoChange{0, 0.0, 120.0}};
  s.time_signatures = {TimeSignature{0, 4, 4}};
  s.normalize();
  return s;
}

inline std::string join_tokens(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) {
    if (!out.empty()) out += ' ';
    out += tok.token_to_string(id);
  }
  return out;
}

inline std::vector<int32_t> ids_of(const Tokenizer& tok, const std::string& text) {
  std::vector<int32_t> ids;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    if (j > i) ids.push_back(tok.token_from_string(text.substr(i, j - i)));
    i = j + 1;
  }
  return ids;
}

// A random but well-formed score: notes anywhere (including just before bar
// lines), pedal presses, tempo changes, any ticks_per_beat.
inline Score random_score(std::mt19937& rng, bool with_metre_changes = false) {
  const int tpbs[] = {96, 384, 480, 1000, 25};
  Score s;
  s.ticks_per_beat = tpbs[rng() % 5];
  const int64_t span = int64_t{s.ticks_per_beat} * (4 + static_cast<int64_t>(rng() % 40));
  int n = static_cast<int>(rng() % 120);
  for (int i = 0; i < n; ++i) {
    int64_t start = static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
    if (rng() % 8 == 0) {  // hug a bar line from below
      int64_t bar = 4 * int64_t{s.ticks_per_beat};
      start = std::max<int64_t>(0, (start / bar + 1) * bar - 1 - static_cast<int64_t>(rng() % 3));
    }
    int64_t length = static_cast<int64_t>(rng() % static_cast<uint64_t>(s.ticks_per_beat * 20));
    s.notes.push_back(make_note(static_cast<int>(rng() % 128), start, length, 1 + static_cast<int>(rng() % 127)));
  }
  int64_t t = 0;
  while (rng() % 4 != 0) {
    t += static_cast<int64_t>(rng() % static_cast<uint64_t>(s.ticks_per_beat * 3));
    s.pedal.push_back(PedalEvent{t, 0.0, rng() % 2 == 0, 0});
  }
  s.tempos.push_back(TempoChange{0, 0.0, 30.0 + (rng() % 250)});
  if (rng() % 2) s.tempos.push_back(TempoChange{span / 2, 0.0, 30.0 + (rng() % 250)});
  s.time_signatures.push_back(TimeSignature{0, 4, 4});
  if (with_metre_changes) {
    const int nums[] = {3, 6, 5, 2, 7};
    const int dens[] = {4, 8, 4, 2, 16};
    int k = static_cast<int>(rng() % 5);
    s.time_signatures.push_back(TimeSignature{span / 3, nums[k], dens[k]});
  }
  s.normalize();
  return s;
}

// The configurations the property tests run over.
inline std::vector<TokenizerConfig> test_configs() {
  std::vector<TokenizerConfig> out(1);
  TokenizerConfig all;
  all.use_chords = true;
  all.use_time_signature = true;
  out.push_back(all);
  TokenizerConfig bare;
  bare.use_tempo = false;
  bare.use_pedal = false;
  bare.positions_per_beat = 3;
  bare.velocity_bins = 8;
  bare.max_duration_steps = 12;
  bare.pitch_min = 48;
  bare.pitch_max = 72;
  out.push_back(bare);
  TokenizerConfig fine;
  fine.positions_per_beat = 12;
  fine.use_time_signature = true;
  fine.tempo_bins = 1;
  fine.velocity_bins = 127;
  out.push_back(fine);
  // The checks compare tokens with the scores' own ticks: no beat tracking.
  for (auto& c : out) c.grid = "score";
  return out;
}

}  // namespace emopiano::test
