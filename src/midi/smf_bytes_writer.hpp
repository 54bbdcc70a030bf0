// Standard MIDI File bytes built in memory: the header chunk, then one track
// chunk per list of events, each event after its delta time, with full status
// bytes (no running status) and an End of Track at the last event's tick,
// exactly as libsmf's smf_save lays a file out. No file system, no temporary
// file: write_midi_bytes works on hosts without a writable temp directory, and
// write_midi_file writes these same bytes.
#pragma once

#include <cstdint>
#include <vector>

namespace emopiano::midi {

// One event of a track: its absolute tick and its bytes (status and data, or
// FF type length data for a meta event).
struct SmfEvent {
  int64_t tick = 0;
  std::vector<uint8_t> bytes;
};

// `tracks` in time order (ticks never decrease within a track); ticks below
// 2^28. Throws Error(invalid_argument) otherwise.
std::vector<uint8_t> smf_bytes(int format, int ticks_per_beat, const std::vector<std::vector<SmfEvent>>& tracks);

}  // namespace emopiano::midi
