// The emotion input the model gets beside each token.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

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

// A trajectory resolved once per generation: the input of every bar up to
// the last keyframe, worked out at construction, so each token reads a table
// instead of interpolating keyframes. Equal to emotion_input and
// opening_quadrant above.
class EmotionSchedule {
 public:
  explicit EmotionSchedule(const EmotionTrajectory& trajectory);
  std::array<float, 4> input(int32_t grammar_bar) const;
  Quadrant opening_quadrant() const { return opening_; }

 private:
  // Bars beyond the table hold its last entry: the last keyframe's emotion.
  // The table stops at kMaxBars; keyframes later than that are read directly.
  static constexpr int32_t kMaxBars = 4096;
  EmotionTrajectory trajectory_;
  std::vector<std::array<float, 4>> per_bar_;  // index: trajectory bar
  bool held_after_table_ = true;
  Quadrant opening_ = Quadrant::Q1;
};

}  // namespace emopiano::sample
