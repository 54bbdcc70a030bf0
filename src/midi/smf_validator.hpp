// Structural check of Standard MIDI File bytes, done by us before libsmf sees
// them: libsmf 1.3 trusts its input and abort()s through assert() on several
// malformed files (see smf_validator.cpp for the list), so everything it would
// trip on is rejected here with a message that names the file, track and byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace emopiano::midi {

// Largest file we accept. libsmf keeps sizes and ticks in int; this and the
// tick limit below keep every sum it makes far from overflow.
constexpr size_t kMaxSmfBytes = size_t{256} << 20;
// The largest tick a written file can hold: a delta time is at most 4 bytes
// of 7 bits (0x0FFFFFFF), and the gap between two events is at most the later
// event's tick. Reading accepts one tick less, because repairs (a zero-length
// or unreleased note) may end a note one tick after the last event.
constexpr int64_t kMaxWriteTicks = 0x0FFFFFFF;
constexpr int64_t kMaxTrackTicks = kMaxWriteTicks - 1;

struct TrackSpan {
  size_t offset = 0;  // first event byte, from the start of the file
  size_t length = 0;  // event bytes up to and including the end-of-track event
};

struct SmfLayout {
  int format = 1;
  int ticks_per_beat = 480;
  std::vector<TrackSpan> tracks;  // the MTrk chunks the header declares, in order
};

// Throws Error(format) for malformed bytes and Error(unsupported) for valid
// files libsmf cannot read (format 2, SMPTE time division).
SmfLayout check_smf_layout(const uint8_t* data, size_t size, std::string_view name);

// The same file as libsmf should see it: a 6-byte MThd whose track count is
// the MTrk chunks found, then only those chunks, each cut after its
// end-of-track event (foreign chunks and trailing bytes are dropped).
std::vector<uint8_t> canonical_smf(const uint8_t* data, const SmfLayout& layout);

}  // namespace emopiano::midi
