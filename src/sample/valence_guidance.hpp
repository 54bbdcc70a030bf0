// Valence guidance: a row with the emotion's valence mirrored beside the
// emotion's own, and what is played in pitch and harmony pushed away from it.
//
// Guidance contrasts the emotion with the null emotion, and both rows hear the
// same music. After a change of emotion that music still carries the old
// one, so the null row predicts more of it and guidance pushes away from the
// old music rather than towards the new emotion: tense turning calm winds down
// and is heard as sad (docs/evaluation.md). The mirrored row differs from the
// emotion in valence alone (happy <-> tense, sad <-> calm, the arousal kept),
// so cond - mirrored says what the requested valence adds on this music.
//
// It engages where the valence has changed: from the first bar whose
// valence is at least half the axis away from the opening's. Before that
// the music heard already has the valence asked for, and the mirrored row
// only pulled the mode away from the training data's: with it on from the
// start, tense pieces were major in .48-.56 of cases against EMOPIA's .29
// (docs/evaluation.md).
#pragma once

#include <array>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "emopiano/emotion.hpp"

namespace emopiano {
class Tokenizer;
}

namespace emopiano::sample {

// The default weight, for models that learned the null emotion (the models
// whose guidance default was measured); chosen by measurement
// (docs/evaluation.md).
constexpr float kDefaultValenceGuidance = 3.0f;

// The weight for `requested` (negative = the model's default) given the
// model's metadata JSON: 0 (off) for models without the null emotion.
float resolve_valence_guidance(float requested, const std::string& metadata_json);

// A change of valence (EmotionMix::valence, -1..1) that engages it.
constexpr float kValenceChange = 1.0f;
bool valence_changed(float opening, float now);
// Whether a trajectory's valence ever moves kValenceChange from `opening`
// (its keyframes hold the extremes: valence is linear between them).
bool valence_may_change(const EmotionTrajectory& trajectory, float opening);
// The first grammar bar from `opening_bar` on (see emotion_valence) whose
// valence has changed from the opening bar's; INT32_MAX when none has.
int32_t first_valence_change_bar(const EmotionTrajectory& trajectory, int32_t opening_bar);

// An emotion input (quadrant probabilities Q1..Q4) with its valence mirrored:
// Q1 <-> Q2 and Q3 <-> Q4. The null emotion (all zeros) stays null, and a mix
// with no valence (happy and tense in equal parts) is its own mirror.
std::array<float, 4> mirror_valence(const std::array<float, 4>& emotion);

class ValenceGuidance {
 public:
  ValenceGuidance(const Tokenizer& tokenizer, float weight);
  // cond[i] += weight * (cond[i] - mirrored[i]) on Pitch and Chord tokens, in
  // place on one row of vocab_size logits; every other token is left as is.
  void apply(float* cond, const float* mirrored) const;
  float weight() const { return weight_; }

 private:
  float weight_;
  std::vector<int32_t> tokens_;  // the Pitch and Chord token ids
};

}  // namespace emopiano::sample
