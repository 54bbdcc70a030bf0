#include "midi/smf_bytes_writer.hpp"

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::midi {

namespace {

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

void put_u16(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

// Variable-length quantity: 7 bits a byte, most significant first.
void put_vlq(std::vector<uint8_t>& out, uint32_t v) {
  uint8_t groups[4];
  int n = 0;
  do {
    groups[n++] = static_cast<uint8_t>(v & 0x7F);
    v >>= 7;
  } while (v != 0);
  while (n-- > 0) out.push_back(static_cast<uint8_t>(groups[n] | (n > 0 ? 0x80 : 0)));
}

constexpr int64_t kMaxVlq = 0x0FFFFFFF;

}  // namespace

std::vector<uint8_t> smf_bytes(int format, int ticks_per_beat, const std::vector<std::vector<SmfEvent>>& tracks) {
  if (format < 0 || format > 2 || ticks_per_beat < 1 || ticks_per_beat > 0x7FFF || tracks.size() > 0xFFFF)
    throw Error(ErrorCode::invalid_argument, fmt::format("cannot write MIDI: format {}, {} ticks per beat, {} tracks",
                                                         format, ticks_per_beat, tracks.size()));
  std::vector<uint8_t> out = {'M', 'T', 'h', 'd'};
  put_u32(out, 6);
  put_u16(out, static_cast<uint32_t>(format));
  put_u16(out, static_cast<uint32_t>(tracks.size()));
  put_u16(out, static_cast<uint32_t>(ticks_per_beat));
  for (const auto& events : tracks) {
    out.insert(out.end(), {'M', 'T', 'r', 'k'});
    const size_t length_at = out.size();
    put_u32(out, 0);  // filled in below
    int64_t last = 0;
    for (const SmfEvent& e : events) {
      if (e.tick < last || e.tick > kMaxVlq || e.bytes.empty())
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("cannot write MIDI: event at tick {} after tick {}", e.tick, last));
      put_vlq(out, static_cast<uint32_t>(e.tick - last));
      out.insert(out.end(), e.bytes.begin(), e.bytes.end());
      last = e.tick;
    }
    put_vlq(out, 0);
    out.insert(out.end(), {0xFF, 0x2F, 0x00});  // End of Track, at the last event
    const size_t length = out.size() - length_at - 4;
    for (int i = 0; i < 4; ++i) out[length_at + static_cast<size_t>(i)] = static_cast<uint8_t>(length >> (24 - 8 * i));
  }
  return out;
}

}  // namespace emopiano::midi
