#include "tokenizer/chord_detection.hpp"

#include <array>

namespace emopiano::tokenizer {

namespace {

struct Quality {
  const char* name;
  uint16_t intervals;  // bit i = the pitch class i semitones above the root
};

constexpr uint16_t bits(std::initializer_list<int> semitones) {
  uint16_t m = 0;
  for (int s : semitones) m = static_cast<uint16_t>(m | (1u << s));
  return m;
}

// Exact matches only: a chord with added tones stays unnamed rather than being
// mislabelled. Symmetric chords (aug, dim7) match in several roots; the
// lowest-sounding pitch class is preferred as root (see detect_chord).
const std::array<Quality, 10> kQualities = {{
    {"maj", bits({0, 4, 7})},
    {"min", bits({0, 3, 7})},
    {"dim", bits({0, 3, 6})},
    {"aug", bits({0, 4, 8})},
    {"sus4", bits({0, 5, 7})},
    {"dom7", bits({0, 4, 7, 10})},
    {"maj7", bits({0, 4, 7, 11})},
    {"min7", bits({0, 3, 7, 10})},
    {"hdim7", bits({0, 3, 6, 10})},
    {"dim7", bits({0, 3, 6, 9})},
}};

const std::array<const char*, 12> kRoots = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};

uint16_t rotate_down(uint16_t mask, int by) {
  // Pitch classes relative to root `by`.
  uint32_t m = mask;
  return static_cast<uint16_t>(((m >> by) | (m << (12 - by))) & 0xFFF);
}

}  // namespace

int chord_count() { return static_cast<int>(kRoots.size() * kQualities.size()); }

std::string chord_name(int index) {
  int q = static_cast<int>(kQualities.size());
  return std::string(kRoots[index / q]) + "_" + kQualities[index % q].name;
}

std::optional<int> detect_chord(const std::vector<int>& pitches) {
  uint16_t mask = 0;
  int lowest = 128;
  for (int p : pitches) {
    if (p < 0 || p > 127) continue;
    mask = static_cast<uint16_t>(mask | (1u << (p % 12)));
    if (p < lowest) lowest = p;
  }
  if (__builtin_popcount(mask) < 3) return std::nullopt;
  // Try roots starting from the bass note's pitch class so that an inversion
  // of a symmetric chord is named after its bass.
  for (int k = 0; k < 12; ++k) {
    int root = (lowest % 12 + k) % 12;
    if (!(mask & (1u << root))) continue;
    uint16_t rel = rotate_down(mask, root);
    for (size_t q = 0; q < kQualities.size(); ++q)
      if (rel == kQualities[q].intervals) return root * static_cast<int>(kQualities.size()) + static_cast<int>(q);
  }
  return std::nullopt;
}

}  // namespace emopiano::tokenizer
