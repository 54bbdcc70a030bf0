#include "sample/emotion_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace emopiano::sample {

std::array<float, 4> emotion_input(const EmotionTrajectory& trajectory, int32_t grammar_bar) {
  if (trajectory.empty()) return EmotionMix().probabilities();
  return trajectory.at(static_cast<double>(std::max(grammar_bar - 1, 0))).probabilities();
}

float emotion_valence(const EmotionTrajectory& trajectory, int32_t grammar_bar) {
  if (trajectory.empty()) return EmotionMix().valence();
  return trajectory.at(static_cast<double>(std::max(grammar_bar - 1, 0))).valence();
}

Quadrant opening_quadrant(const EmotionTrajectory& trajectory) {
  if (trajectory.empty()) return Quadrant::Q1;
  return trajectory.at(0.0).dominant();
}

EmotionSchedule::EmotionSchedule(const EmotionTrajectory& trajectory)
    : trajectory_(trajectory), opening_(sample::opening_quadrant(trajectory)) {
  // After the last keyframe the emotion is held, so the table ends there.
  const double last = trajectory.empty() ? 0.0 : trajectory.keyframes().back().bar;
  const double bars = std::ceil(last);
  held_after_table_ = bars < double(kMaxBars);
  const int32_t size = held_after_table_ ? static_cast<int32_t>(bars) + 1 : kMaxBars;
  per_bar_.reserve(static_cast<size_t>(size));
  for (int32_t bar = 0; bar < size; ++bar) per_bar_.push_back(emotion_input(trajectory, bar + 1));
}

std::array<float, 4> EmotionSchedule::input(int32_t grammar_bar) const {
  const int32_t bar = std::max(grammar_bar - 1, 0);
  if (bar < int32_t(per_bar_.size())) return per_bar_[static_cast<size_t>(bar)];
  if (held_after_table_) return per_bar_.back();
  return emotion_input(trajectory_, grammar_bar);  // a keyframe past kMaxBars
}

}  // namespace emopiano::sample
