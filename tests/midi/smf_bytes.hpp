// Builds Standard MIDI File bytes event by event, so tests can state exactly
// which (possibly malformed) bytes a reader is given.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace emopiano::test {

inline std::vector<uint8_t> vlq(uint32_t value) {
  std::vector<uint8_t> out{static_cast<uint8_t>(value & 0x7F)};
  while (value >>= 7) out.insert(out.begin(), static_cast<uint8_t>(0x80 | (value & 0x7F)));
  return out;
}

class TrackBytes {
 public:
  // Delta time then the given raw bytes (any bytes: malformed on purpose too).
  TrackBytes& event(uint32_t delta, std::initializer_list<int> bytes) {
    auto d = vlq(delta);
    data.insert(data.end(), d.begin(), d.end());
    for (int b : bytes) data.push_back(static_cast<uint8_t>(b));
    return *this;
  }
  TrackBytes& raw(std::initializer_list<int> bytes) {
    for (int b : bytes) data.push_back(static_cast<uint8_t>(b));
    return *this;
  }
  TrackBytes& on(uint32_t delta, int pitch, int velocity = 80, int channel = 0) {
    return event(delta, {0x90 | channel, pitch, velocity});
  }
  TrackBytes& off(uint32_t delta, int pitch, int channel = 0) { return event(delta, {0x80 | channel, pitch, 64}); }
  TrackBytes& pedal(uint32_t delta, int value, int channel = 0) { return event(delta, {0xB0 | channel, 64, value}); }
  TrackBytes& tempo(uint32_t delta, double bpm) {
    const uint32_t mpqn = static_cast<uint32_t>(60e6 / bpm + 0.5);
    return event(delta, {0xFF, 0x51, 3, static_cast<int>(mpqn >> 16) & 0xFF, static_cast<int>(mpqn >> 8) & 0xFF,
                         static_cast<int>(mpqn) & 0xFF});
  }
  TrackBytes& time_signature(uint32_t delta, int numerator, int denominator_power) {
    return event(delta, {0xFF, 0x58, 4, numerator, denominator_power, 24, 8});
  }
  TrackBytes& end(uint32_t delta = 0) { return event(delta, {0xFF, 0x2F, 0}); }

  std::vector<uint8_t> data;
};

inline void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}

// MThd (format, declared track count, division) then one MTrk per track.
inline std::vector<uint8_t> smf_bytes(int format, int division, const std::vector<TrackBytes>& tracks,
                                      int declared_tracks = -1) {
  std::vector<uint8_t> out{'M', 'T', 'h', 'd', 0, 0, 0, 6};
  const int n = declared_tracks >= 0 ? declared_tracks : static_cast<int>(tracks.size());
  out.insert(out.end(), {static_cast<uint8_t>(format >> 8), static_cast<uint8_t>(format), static_cast<uint8_t>(n >> 8),
                         static_cast<uint8_t>(n), static_cast<uint8_t>(division >> 8), static_cast<uint8_t>(division)});
  for (const auto& t : tracks) {
    out.insert(out.end(), {'M', 'T', 'r', 'k'});
    put_u32(out, static_cast<uint32_t>(t.data.size()));
    out.insert(out.end(), t.data.begin(), t.data.end());
  }
  return out;
}

}  // namespace emopiano::test
