// How the bf16 cache keeps a head's keys: in panels of sixteen positions.
// A panel is (D + 1) / 2 runs of 64 bytes, run j holding the values 2j and
// 2j + 1 of its sixteen positions side by side. One 64-byte load of run j
// then gives sixteen positions' share of a pair of q's values, lane by
// lane: the scores of sixteen positions accumulate in sixteen lanes, with
// no adding across lanes (the cost of the row-by-row layout, where a dot
// product ends in a tree of shuffles). Values stay row by row, as the
// weighted sum reads them.
#pragma once

#include <cstdint>

#include "kernels/bf16.hpp"

namespace emopiano::kernels {

constexpr int64_t kPanelPositions = 16;

// bf16 values of one panel: sixteen positions of D values, D rounded up to even.
inline int64_t key_panel_values(int64_t D) { return kPanelPositions * ((D + 1) / 2 * 2); }

// bf16 values of one K/V head's keys for `capacity` positions.
inline int64_t key_head_values(int64_t capacity, int64_t D) {
  return (capacity + kPanelPositions - 1) / kPanelPositions * key_panel_values(D);
}

// Where value d of position s's key is in its head's panels.
inline int64_t key_index(int64_t s, int64_t d, int64_t D) {
  return s / kPanelPositions * key_panel_values(D) + d / 2 * (2 * kPanelPositions) + s % kPanelPositions * 2 + d % 2;
}

// Stores the D floats of x rounded to bf16 as position s's key (the pad
// value of an odd D as 0).
inline void write_key(const float* x, int64_t D, int64_t s, uint16_t* head) {
  for (int64_t d = 0; d < D; ++d) head[key_index(s, d, D)] = to_bf16(x[d]);
  if (D % 2) head[key_index(s, D, D)] = 0;
}

inline float read_key(const uint16_t* head, int64_t s, int64_t d, int64_t D) {
  return from_bf16(head[key_index(s, d, D)]);
}

}  // namespace emopiano::kernels
