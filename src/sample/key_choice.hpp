// The key of a generated piece: drawn from the keys the model's training
// pieces had for the requested emotion, and changed to the parallel key where
// a trajectory's valence changes sign (valence is carried mostly by mode).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "emopiano/emotion.hpp"
#include "emopiano/key.hpp"

namespace emopiano::sample {

class KeyDistribution {
 public:
  // From a model's metadata JSON ("key_distribution": {"Q1": [24 counts], ...},
  // key_index order). Without one: C major for positive valence, A minor otherwise.
  static KeyDistribution from_metadata(const std::string& metadata_json);

  bool empty() const { return !present_; }
  // Probability of each key for an emotion mix: the mix of the quadrants'
  // key frequencies.
  std::array<double, kNumKeys> probabilities(const EmotionMix& emotion) const;
  // A key drawn with `u` uniform in [0, 1).
  MusicalKey draw(const EmotionMix& emotion, double u) const;

 private:
  bool present_ = false;
  std::array<std::array<double, kNumKeys>, kNumQuadrants> frequency_{};  // each row sums to 1 (or is empty)
};

// The key a piece in `current` moves to when its emotion's valence goes from
// `before` to `now`: the parallel key, when the sign of the valence changes by
// more than a dead band and the mode does not already fit. nullopt: stay.
std::optional<MusicalKey> modulation(const MusicalKey& current, float before, float now);

// The opening key of a piece with seed `seed`: `requested` when set, else
// drawn for `emotion`. The draw has its own random stream, so the notes a
// seed gives do not depend on whether the key was drawn or named.
MusicalKey opening_key(const std::optional<MusicalKey>& requested, const KeyDistribution& keys,
                       const EmotionMix& emotion, uint64_t seed);

// At a new bar whose emotion has valence `now`, in key `current` set where
// the valence was `key_valence`: the key to modulate to, or nullopt.
// `key_valence` follows: it moves to `now` on a modulation, and while the
// mode already fits the valence.
std::optional<MusicalKey> key_change_at_bar(const MusicalKey& current, float& key_valence, float now);

}  // namespace emopiano::sample
