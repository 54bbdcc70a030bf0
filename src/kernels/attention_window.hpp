// A sliding attention window, in panels: a token sees the keys of its own
// panel of sixteen positions and of the panels before it, back to `window`
// positions in all, so a query at position p sees between window - 15 and
// window keys once p is past the window. The first key it sees is always
// the start of a panel, so the generation step reads a window straight
// out of the bf16 key panels (key_panels.hpp) with the same kernels as the
// whole cache, and a step's cost stops growing with its position.
#pragma once

#include <cstdint>

#include "kernels/key_panels.hpp"

namespace emopiano::kernels {

// The first key position a query at `position` attends to: 0 for a window
// of 0 (no window: every key before it). `window` is a multiple of
// kPanelPositions.
inline int64_t window_first_key(int64_t position, int64_t window) {
  if (window <= 0) return 0;
  const int64_t first = (position / kPanelPositions + 1) * kPanelPositions - window;
  return first > 0 ? first : 0;
}

}  // namespace emopiano::kernels
