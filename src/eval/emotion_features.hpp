// The hand-made features of a piece that the feature-based emotion
// classifier reads (logistic regression, as the EMOPIA paper's baseline):
// density, dynamics, register, polyphony, tonality and tempo from the music
// metrics, and the pitch-class histogram relative to the estimated tonic.
#pragma once

#include <string>
#include <vector>

#include "emopiano/score.hpp"

namespace emopiano::detail {

// Names of the features, in order (for files and docs).
const std::vector<std::string>& emotion_feature_names();

// The features of a score; every value is finite (undefined metrics are 0).
std::vector<double> emotion_features(const Score& score);

}  // namespace emopiano::detail
