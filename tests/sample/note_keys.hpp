// Notes as comparable tuples, for tests that check two runs wrote the same
// music: (start tick, pitch, end tick, velocity), in the notes' order.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "emopiano/score.hpp"

namespace emopiano::test {

using NoteKey = std::tuple<int64_t, int, int64_t, int>;

inline std::vector<NoteKey> note_keys(const std::vector<Note>& notes) {
  std::vector<NoteKey> k;
  k.reserve(notes.size());
  for (const auto& n : notes) k.emplace_back(n.start_tick, n.pitch, n.end_tick, n.velocity);
  return k;
}

}  // namespace emopiano::test
