// Classifier-free guidance (Ho & Salimans 2022) on one row of logits, and the
// metadata of a model that says whether it learned the null emotion.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace emopiano {
class Tokenizer;
}

namespace emopiano::sample {

// The guidance used when SamplingParams::guidance is negative, for models that
// learned the null emotion: chosen by measurement (docs/evaluation.md).
constexpr float kDefaultGuidance = 3.0f;

// cond[i] = uncond[i] + w * (cond[i] - uncond[i]), in place. w = 1 leaves the
// conditional logits, w = 0 gives the unconditional ones.
void apply_guidance(float* cond, const float* uncond, int32_t vocab, float w);

// The guidance weight for `requested` (negative = the model's default) given
// the model's metadata JSON.
float resolve_guidance(float requested, const std::string& metadata_json);

// Guidance with a weight of its own for the rhythm. The tokens that decide
// *when* notes come (Bar, Position, Pedal, EOS, and the choice between one
// more note here and moving on) are guided with `rhythm`; *what* is played
// (a note's pitch, velocity and duration, a chord, a tempo) with `weight`,
// within its token family:
//
//   p(token) = p_rhythm(family) * p_weight(token | family)
//
// where p_w is the guided distribution uncond + w * (cond - uncond). Measured
// over 50 pieces per change of emotion, a rhythm weight of 2 under guidance 3
// lets the mode follow a change better than plain guidance, at the same
// density (docs/evaluation.md). With rhythm == weight this is apply_guidance.
class SplitGuidance {
 public:
  SplitGuidance(const Tokenizer& tokenizer, float weight, float rhythm);
  // In place on one row of vocab_size logits.
  void apply(float* cond, const float* uncond);
  float weight() const { return weight_; }
  float rhythm() const { return rhythm_; }

 private:
  float weight_, rhythm_;
  std::vector<int16_t> family_;  // per token: -1 rhythm, else the content family
  int16_t families_ = 0;
  std::vector<float> guided_;
  std::vector<double> rhythm_mass_, weight_mass_;
  std::vector<float> rhythm_max_, weight_max_;
};

// The rhythm weight for `requested` (negative = the default) given the
// resolved guidance weight: the default is min(weight, kDefaultRhythmGuidance).
constexpr float kDefaultRhythmGuidance = 2.0f;
float resolve_rhythm_guidance(float requested, float weight);

}  // namespace emopiano::sample
