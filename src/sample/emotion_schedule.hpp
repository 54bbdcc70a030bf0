// The emotion input the model gets beside each token.
#pragma once

#include <array>
#include <cstdint>

#include "emopiano/emotion.hpp"

namespace emopiano::sample {

// The trajectory's emotion at the bar a token belongs to. `grammar_bar` is
// TokenGrammar::bar() after the token (bars started so far): tokens before
// the first Bar and in the first bar both read bar 0 of the trajectory.
// An empty trajectory is pure Q1.
std::array<float, 4> emotion_input(const EmotionTrajectory& trajectory, int32_t grammar_bar);

// The valence of that emotion (EmotionMix::valence) for the same token.
float emotion_valence(const EmotionTrajectory& trajectory, int32_t grammar_bar);

// The quadrant of the emotion token after BOS: dominant at bar 0.
Quadrant opening_quadrant(const EmotionTrajectory& trajectory);

}  // namespace emopiano::sample
