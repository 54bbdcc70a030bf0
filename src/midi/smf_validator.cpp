// What libsmf 1.3 (Debian) does with malformed input, read from its
// smf_load.c, and how each case is stopped here first:
//  - a track without an end-of-track event: parse_next_event() runs past the
//    chunk and fails assert(buffer_length > 0)            -> "no end-of-track"
//  - an F7 (escaped) event: smf_event_is_valid() is asserted on bytes that are
//    not a MIDI message, and a zero-length one fails
//    assert(midi_buffer_length >= 1)                       -> F7 rejected
//  - chunk lengths past the end of the file: int offsets overflow and the
//    track length goes negative, then assert(buffer_length > 0)
//                                                          -> chunk checked
//  - long delta times: event times are int; a track of many 0x0FFFFFFF deltas
//    overflows to a negative time and the tempo lookup asserts
//    (tempo->time_pulses <= pulses)                        -> kMaxTrackTicks
//  - smf_save() re-reads what it wrote and asserts it is identical; a gap
//    between events wider than a 4-byte delta does not survive that, so
//    tracks are limited to what can be written again     -> kMaxTrackTicks
//  - meta lengths are read as one byte, not as a variable-length quantity, so a
//    meta event of 128 bytes or more desynchronises the parser  -> rejected
//  - tempo events shorter than 3 data bytes are read past their end
//                                                          -> lengths checked
//  - running status after a meta or sysex event reuses 0xFF/0xF0 as a status
//    and misparses the data byte as an event type          -> rejected
//  - MThd problems (bad length, format 2, SMPTE division, no tracks) make
//    smf_load_from_memory() return NULL and leak the half-built smf_t
//                                                          -> rejected here
// Bytes after an end-of-track event inside its chunk are tolerated: libsmf
// stops at the end-of-track event too.
#include "midi/smf_validator.hpp"

#include <cstring>
#include <string>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::midi {

namespace {

uint32_t read_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint16_t read_u16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

[[noreturn]] void fail(std::string_view name, size_t offset, const std::string& reason,
                       ErrorCode code = ErrorCode::format) {
  throw Error(code, fmt::format("{}: at byte {}: {}", name, offset, reason));
}

// Walks the events of one MTrk chunk; the only state is the running status.
class TrackChecker {
 public:
  TrackChecker(const uint8_t* data, size_t begin, size_t end, int number, std::string_view name)
      : data_(data), pos_(begin), begin_(begin), end_(end), number_(number), name_(name) {}

  // Returns the number of event bytes up to and including the end of track.
  size_t run() {
    int64_t ticks = 0;
    while (pos_ < end_) {
      const size_t event_start = pos_;
      ticks += read_vlq("delta time");
      if (ticks > kMaxTrackTicks) fail_at(event_start, fmt::format("track longer than {} ticks", kMaxTrackTicks));
      if (pos_ >= end_) fail_at(event_start, "delta time without an event after it");
      const uint8_t first = data_[pos_];
      if (first < 0x80) {
        // Running status: only a channel message may be repeated this way.
        if (running_status_ == 0) fail_at(pos_, fmt::format("data byte 0x{:02X} without a running status", first));
        channel_message(running_status_);
      } else if (first < 0xF0) {
        ++pos_;
        channel_message(first);
        running_status_ = first;
      } else if (first == 0xFF) {
        running_status_ = 0;
        if (meta_event()) return pos_ - begin_;
      } else if (first == 0xF0) {
        running_status_ = 0;
        sysex_event();
      } else if (first == 0xF7) {
        fail_at(pos_, "escaped (0xF7) events are not supported");
      } else {
        fail_at(pos_, fmt::format("system message 0x{:02X} is not allowed in a MIDI file", first));
      }
    }
    fail_at(end_, "no end-of-track event");
  }

 private:
  [[noreturn]] void fail_at(size_t offset, const std::string& reason) const {
    throw Error(ErrorCode::format, fmt::format("{}: track {} at byte {}: {}", name_, number_, offset, reason));
  }

  // At most 4 bytes, all inside the chunk (the SMF limit, and libsmf's).
  uint32_t read_vlq(const char* what) {
    const size_t start = pos_;
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      if (pos_ >= end_) fail_at(start, fmt::format("{} runs past the end of the track", what));
      const uint8_t b = data_[pos_++];
      value = (value << 7) | (b & 0x7F);
      if (!(b & 0x80)) return value;
    }
    fail_at(start, fmt::format("variable-length quantity ({}) longer than 4 bytes", what));
  }

  void channel_message(uint8_t status) {
    const size_t start = pos_;
    const int kind = status & 0xF0;
    const size_t data_bytes = (kind == 0xC0 || kind == 0xD0) ? 1 : 2;
    if (end_ - pos_ < data_bytes)
      fail_at(start, fmt::format("channel message 0x{:02X} cut short by the end of the track", status));
    for (size_t i = 0; i < data_bytes; ++i) {
      const uint8_t b = data_[pos_ + i];
      if (b >= 0x80)
        fail_at(pos_ + i, fmt::format("data byte 0x{:02X} of channel message 0x{:02X} has its top bit set", b, status));
    }
    pos_ += data_bytes;
  }

  // Returns true at the end-of-track event.
  bool meta_event() {
    const size_t start = pos_;
    if (end_ - pos_ < 3) fail_at(start, "meta event cut short by the end of the track");
    const uint8_t type = data_[pos_ + 1];
    const uint8_t length = data_[pos_ + 2];
    if (type >= 0x80) fail_at(start, fmt::format("meta event type 0x{:02X} is not valid", type));
    // libsmf reads the length as one byte, so longer metas are out of reach.
    if (length >= 0x80) fail_at(start, fmt::format("meta event 0x{:02X} of 128 bytes or more is not supported", type));
    pos_ += 3;
    if (end_ - pos_ < length)
      fail_at(start, fmt::format("meta event 0x{:02X} of {} bytes runs past the end of the track", type, length));
    const uint8_t* body = data_ + pos_;
    pos_ += length;
    switch (type) {
      case 0x2F:
        if (length != 0) fail_at(start, fmt::format("end-of-track event with length {}", length));
        return true;
      case 0x51:
        if (length != 3) fail_at(start, fmt::format("tempo event with length {} (must be 3)", length));
        if ((body[0] | body[1] | body[2]) == 0) fail_at(start, "tempo of 0 microseconds per beat");
        break;
      case 0x58:
        if (length != 4) fail_at(start, fmt::format("time signature event with length {} (must be 4)", length));
        if (body[0] == 0) fail_at(start, "time signature with numerator 0");
        if (body[1] > 6) fail_at(start, fmt::format("time signature denominator 2^{} is out of range", body[1]));
        break;
      default: break;
    }
    return false;
  }

  void sysex_event() {
    const size_t start = pos_;
    ++pos_;
    const uint32_t length = read_vlq("sysex length");
    if (end_ - pos_ < length) fail_at(start, fmt::format("sysex of {} bytes runs past the end of the track", length));
    pos_ += length;
  }

  const uint8_t* data_;
  size_t pos_, begin_, end_;
  int number_;
  std::string_view name_;
  uint8_t running_status_ = 0;
};

}  // namespace

SmfLayout check_smf_layout(const uint8_t* data, size_t size, std::string_view name) {
  if (size > kMaxSmfBytes)
    throw Error(ErrorCode::unsupported, fmt::format("{}: {} bytes is larger than the {} MiB a MIDI file may have here",
                                                    name, size, kMaxSmfBytes >> 20));
  if (data == nullptr || size < 4 || std::memcmp(data, "MThd", 4) != 0)
    throw Error(ErrorCode::format, fmt::format("{}: not a Standard MIDI File (no MThd header)", name));
  if (size < 14) fail(name, 0, fmt::format("file of {} bytes is too short for a MIDI header", size));
  const uint32_t header_length = read_u32(data + 4);
  if (header_length < 6) fail(name, 4, fmt::format("MThd length {} (must be at least 6)", header_length));
  if (header_length > size - 8)
    fail(name, 4, fmt::format("MThd length {} runs past the end of the file", header_length));

  SmfLayout layout;
  const uint16_t format = read_u16(data + 8);
  const uint16_t declared_tracks = read_u16(data + 10);
  const uint16_t division = read_u16(data + 12);
  if (format == 2) fail(name, 8, "format 2 (independent sequences) is not supported", ErrorCode::unsupported);
  if (format > 2) fail(name, 8, fmt::format("unknown MIDI file format {}", format));
  if (declared_tracks == 0) fail(name, 10, "the header declares no tracks");
  if (format == 0 && declared_tracks != 1)
    fail(name, 10, fmt::format("format 0 file declares {} tracks (must be 1)", declared_tracks));
  if (division & 0x8000) fail(name, 12, "SMPTE time division is not supported", ErrorCode::unsupported);
  if (division == 0) fail(name, 12, "0 ticks per beat");
  layout.format = format;
  layout.ticks_per_beat = division;

  size_t offset = 8 + size_t{header_length};
  while (layout.tracks.size() < declared_tracks) {
    const int number = static_cast<int>(layout.tracks.size()) + 1;
    if (offset >= size)
      fail(name, offset,
           fmt::format("the header declares {} tracks but the file holds {}", declared_tracks, layout.tracks.size()));
    if (size - offset < 8) fail(name, offset, "chunk header cut short by the end of the file");
    const uint32_t length = read_u32(data + offset + 4);
    if (length > size - offset - 8)
      fail(name, offset,
           fmt::format("chunk length {} runs past the end of the file ({} bytes left)", length, size - offset - 8));
    const size_t body = offset + 8;
    if (std::memcmp(data + offset, "MTrk", 4) == 0) {
      TrackChecker checker(data, body, body + length, number, name);
      layout.tracks.push_back(TrackSpan{body, checker.run()});
    }
    // Any other chunk is skipped, as the SMF specification asks of readers.
    offset = body + length;
  }
  return layout;
}

std::vector<uint8_t> canonical_smf(const uint8_t* data, const SmfLayout& layout) {
  std::vector<uint8_t> out;
  size_t total = 14;
  for (const auto& t : layout.tracks) total += 8 + t.length;
  out.reserve(total);
  auto put_u16 = [&](uint32_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
  };
  auto put_u32 = [&](uint32_t v) {
    put_u16(v >> 16);
    put_u16(v & 0xFFFF);
  };
  out.insert(out.end(), {'M', 'T', 'h', 'd'});
  put_u32(6);
  put_u16(static_cast<uint32_t>(layout.format));
  put_u16(static_cast<uint32_t>(layout.tracks.size()));
  put_u16(static_cast<uint32_t>(layout.ticks_per_beat));
  for (const auto& t : layout.tracks) {
    out.insert(out.end(), {'M', 'T', 'r', 'k'});
    put_u32(static_cast<uint32_t>(t.length));
    out.insert(out.end(), data + t.offset, data + t.offset + t.length);
  }
  return out;
}

}  // namespace emopiano::midi

namespace emopiano {

void validate_smf(const uint8_t* data, size_t size, std::string_view name) { midi::check_smf_layout(data, size, name); }

}  // namespace emopiano
