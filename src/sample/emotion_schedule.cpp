#include "sample/emotion_schedule.hpp"

#include <algorithm>

namespace emopiano::sample {

std::array<float, 4> emotion_input(const EmotionTrajectory& trajectory, int32_t grammar_bar) {
  if (trajectory.empty()) return EmotionMix().probabilities();
  return trajectory.at(double(std::max(grammar_bar - 1, 0))).probabilities();
}

float emotion_valence(const EmotionTrajectory& trajectory, int32_t grammar_bar) {
  if (trajectory.empty()) return EmotionMix().valence();
  return trajectory.at(double(std::max(grammar_bar - 1, 0))).valence();
}

Quadrant opening_quadrant(const EmotionTrajectory& trajectory) {
  if (trajectory.empty()) return Quadrant::Q1;
  return trajectory.at(0.0).dominant();
}

}  // namespace emopiano::sample
