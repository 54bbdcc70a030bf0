// Musical keys: a tonic pitch class and a mode. Names as musicians write them
// ("A minor", "Eb major"); the parser also takes the short forms "Am", "Eb".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace emopiano {

struct MusicalKey {
  int tonic = 0;  // pitch class, 0 = C .. 11 = B
  bool major = true;

  // "C major", "F# minor" (sharps for C#, F#; flats for Eb, Ab, Bb).
  std::string name() const;
  // The same key with the other mode and the same tonic (C major <-> C minor).
  MusicalKey parallel() const { return MusicalKey{tonic, !major}; }
  // Shifted by `semitones` (any sign).
  MusicalKey transposed(int semitones) const;
  bool operator==(const MusicalKey& o) const { return tonic == o.tonic && major == o.major; }
  bool operator!=(const MusicalKey& o) const { return !(*this == o); }

  // "A minor", "a min", "Am", "C", "C major", "Db maj", "F#m", "Bb minor" (case-insensitive
  // tonic letter, '#' or 'b' accidentals). nullopt for anything else.
  static std::optional<MusicalKey> parse(std::string_view text);
};

// All 24 keys in token order: C..B major, then C..B minor.
constexpr int kNumKeys = 24;
inline int key_index(const MusicalKey& k) { return (k.major ? 0 : 12) + ((k.tonic % 12) + 12) % 12; }
inline MusicalKey key_from_index(int index) { return MusicalKey{index % 12, index < 12}; }

}  // namespace emopiano
