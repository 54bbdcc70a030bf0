// Chord names for the optional Chord tokens: the notes struck together on one
// grid cell, as a set of pitch classes, matched exactly against a small list
// of triads and seventh chords in every root.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emopiano::tokenizer {

// Number of chord classes (roots x qualities).
int chord_count();
// "C_maj", "F#_min7", ... for index 0 .. chord_count()-1.
std::string chord_name(int index);
// The chord whose pitch classes are exactly the ones in `pitches`, or nullopt
// (fewer than three classes, or no template matches).
std::optional<int> detect_chord(const std::vector<int>& pitches);

}  // namespace emopiano::tokenizer
