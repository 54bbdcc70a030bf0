// Seeing: a piano roll of a Score as SVG, with bar lines, a pitch axis, notes
// shaded by velocity and the sustain pedal underneath, so a person can judge a
// generated piece at a glance.
#pragma once

#include <filesystem>
#include <string>

#include "emopiano/score.hpp"

namespace emopiano {

struct PianoRollOptions {
  int width = 1200;   // pixels, 200..20000
  int height = 480;   // pixels, 120..8000
  std::string title;  // drawn at the top when not empty
  bool show_pedal = true;
};

// Throws Error(invalid_argument) for sizes out of range.
std::string piano_roll_svg(const Score& score, const PianoRollOptions& options = {});
// Written atomically.
void write_piano_roll_svg(const Score& score, const std::filesystem::path& path, const PianoRollOptions& options = {});

}  // namespace emopiano
