// Musical attributes of a segment, measured from its notes.
#include "vae/segment_attributes.hpp"

#include <algorithm>

#include "emopiano/metrics.hpp"

namespace emopiano::vae {

std::array<double, kVaeAttributeCount> segment_attributes(const Score& segment, int bars) {
  std::array<double, kVaeAttributeCount> a{};
  const auto& notes = segment.notes;
  if (notes.empty()) return a;
  a[static_cast<size_t>(VaeAttribute::density)] =
      static_cast<double>(notes.size()) / static_cast<double>(std::max(1, bars));
  int lo = 127, hi = 0;
  int64_t off_beat = 0;
  for (const auto& n : notes) {
    lo = std::min(lo, n.pitch);
    hi = std::max(hi, n.pitch);
    // The decoded segment's grid is its beats, so an onset between beats is off the beat.
    off_beat += segment.ticks_per_beat > 0 && n.start_tick % segment.ticks_per_beat != 0;
  }
  a[static_cast<size_t>(VaeAttribute::pitch_range)] = static_cast<double>(hi - lo);
  a[static_cast<size_t>(VaeAttribute::syncopation)] = static_cast<double>(off_beat) / static_cast<double>(notes.size());
  const KeyEstimate key = estimate_key(segment);
  a[static_cast<size_t>(VaeAttribute::mode)] = key.major ? key.correlation : -key.correlation;
  return a;
}

}  // namespace emopiano::vae
