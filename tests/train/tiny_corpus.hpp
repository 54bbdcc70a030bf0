// Tiny labelled MIDI collections built in code for the trainer tests: a few
// short melodies written as MIDI files and listed in a CSV with an explicit
// split, so every test knows exactly what it trains and validates on.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "emopiano/dataset.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/score.hpp"
#include "support/test_support.hpp"

namespace emopiano::test {

// A melody of `bars` 4/4 bars at 120 BPM: eighth notes walking through
// `pitches` (cycled), velocities alternating.
inline Score melody(const std::vector<int>& pitches, int bars) {
  Score s;
  s.ticks_per_beat = 480;
  s.tempos = {{0, 0.0, 120.0}};
  s.time_signatures = {{0, 4, 4}};
  const int per_bar = 8;
  for (int i = 0; i < bars * per_bar; ++i) {
    Note n;
    n.pitch = pitches[static_cast<size_t>(i) % pitches.size()];
    n.velocity = i % 2 ? 70 : 90;
    n.start_tick = i * 240;
    n.end_tick = n.start_tick + 240;
    s.notes.push_back(n);
  }
  s.normalize();
  s.update_seconds();
  return s;
}

struct TinyPiece {
  std::string name;
  Score score;
  std::string label;  // "Q1".."Q4"
  std::string split;  // "train", "val", "test"
};

// Writes the pieces and a CSV `path,label,split`; returns the CSV path.
inline std::filesystem::path write_corpus(const std::string& tag, const std::vector<TinyPiece>& pieces) {
  auto dir = temp_dir(tag);
  std::ofstream csv(dir / "list.csv");
  for (const auto& p : pieces) {
    write_midi_file(p.score, dir / (p.name + ".mid"));
    csv << p.name << ".mid," << p.label << "," << p.split << "\n";
  }
  csv.close();
  return dir / "list.csv";
}

inline Dataset load_corpus(const std::filesystem::path& csv, const TokenizerConfig& tokenizer = {}) {
  DatasetOptions o;
  o.tokenizer = tokenizer;
  o.cache_dir = "none";
  o.threads = 1;
  return Dataset::load(csv, o);
}

}  // namespace emopiano::test
