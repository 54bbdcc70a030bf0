#include <cctype>
#include <string>

#include "emopiano/key.hpp"

namespace emopiano {

namespace {

constexpr const char* kTonicNames[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};

std::string lower_trimmed(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string MusicalKey::name() const {
  return std::string(kTonicNames[((tonic % 12) + 12) % 12]) + (major ? " major" : " minor");
}

MusicalKey MusicalKey::transposed(int semitones) const {
  return MusicalKey{(((tonic + semitones) % 12) + 12) % 12, major};
}

std::optional<MusicalKey> MusicalKey::parse(std::string_view text) {
  const std::string s = lower_trimmed(text);  // "aminor", "f#m", "bbmaj"
  if (s.empty()) return std::nullopt;
  static constexpr int kLetter[7] = {9, 11, 0, 2, 4, 5, 7};  // a..g
  if (s[0] < 'a' || s[0] > 'g') return std::nullopt;
  int tonic = kLetter[s[0] - 'a'];
  size_t i = 1;
  if (i < s.size() && (s[i] == '#' || s[i] == 'b')) {
    // "bb" is B flat; a lone "b" after the letter is a flat too ("eb").
    tonic += s[i] == '#' ? 1 : -1;
    ++i;
  }
  const std::string mode = s.substr(i);
  bool major;
  if (mode.empty() || mode == "major" || mode == "maj")
    major = true;
  else if (mode == "minor" || mode == "min" || mode == "m")
    major = false;
  else
    return std::nullopt;
  return MusicalKey{((tonic % 12) + 12) % 12, major};
}

}  // namespace emopiano
