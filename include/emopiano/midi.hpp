// Standard MIDI File input and output. Reading validates the byte structure
// first (chunk lengths, variable-length quantities, running status, event and
// meta lengths, end of track), so corrupt input is rejected with a clear error
// before the SMF parser sees it; then libsmf parses it into a Score.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "emopiano/score.hpp"

namespace emopiano {

struct MidiReadOptions {
  // Lengthen notes by the sustain pedal (what a listener hears) instead of
  // keeping only the pedal events.
  bool apply_sustain_pedal = false;
  // Leave out channel 10 (General MIDI drums) when reading a piano score.
  bool exclude_drums = true;
};

// Throws Error(format) naming `name` and the reason when the bytes are not a
// well-formed Standard MIDI File (format 0 or 1). Never aborts.
void validate_smf(const uint8_t* data, size_t size, std::string_view name = "<memory>");

// Throws Error(io) when the file cannot be read, Error(format) when it is not
// a valid Standard MIDI File; the message names the file and the reason.
Score read_midi_file(const std::filesystem::path& path, const MidiReadOptions& options = {});
Score read_midi_bytes(const uint8_t* data, size_t size, const MidiReadOptions& options = {},
                      std::string_view name = "<memory>");

// Writes a format 1 file: a conductor track (tempo map, time signatures) and a
// piano track (program 0, notes, sustain pedal). The file is written to a
// temporary name beside `path` and renamed, so a failure never leaves a
// partial file behind.
void write_midi_file(const Score& score, const std::filesystem::path& path);
std::vector<uint8_t> write_midi_bytes(const Score& score);

}  // namespace emopiano
