// The MIDI writer's events, before they become bytes: what the byte writer
// (smf_bytes_writer) serializes, exposed so the tests can feed the very same
// events to libsmf and compare the bytes.
#pragma once

#include <vector>

#include "emopiano/score.hpp"
#include "midi/smf_bytes_writer.hpp"

namespace emopiano::midi {

// The conductor track and the piano track of `score`, each in time order.
// Throws Error(invalid_argument) for a score that cannot be written.
std::vector<std::vector<SmfEvent>> score_tracks(const Score& score);

}  // namespace emopiano::midi
