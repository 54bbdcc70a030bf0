// Holding a generated piece near a chosen density, in notes per beat.
//
// A model sampled freely writes denser music as a piece goes on, and guidance
// makes the fast quadrants denser still (docs/evaluation.md). The control
// tilts only the choice of *when* the next note comes, by a Lagrange
// multiplier k on the rate: with r the target notes per grid step, a token
// that moves time on by d steps and commits n notes gets
//
//   logit += k * (r * d - n)
//
// (another note in this cell: d = 0, n = 1; Position p: d = p - here, n = 1;
// Bar: d = the rest of the bar, n = 0; d at most one beat). k > 0 favours
// longer gaps and fewer notes to a cell, k < 0 the opposite; everything else
// (pitch, velocity, duration, tempo, pedal) is the model's own. k follows the density
// measured with a memory of about a bar, e = log(measured / target), as a
// proportional-integral controller, so the piece settles at the target
// whatever the emotion and the guidance ask.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace emopiano {
class Tokenizer;
namespace tokenizer {
class RemiGrammar;
}
}  // namespace emopiano

namespace emopiano::sample {

// Notes per beat of a token sequence over the bars from its first note's to
// its last note's, as the control measures it: the density to ask for to
// write like a piece. nullopt for a sequence without notes, or for a
// tokenizer without bars and positions.
std::optional<double> notes_per_beat(const Tokenizer& tokenizer, const std::vector<int32_t>& tokens);

class DensityControl {
 public:
  // notes_per_beat as validated by SamplingParams (0: off, does nothing).
  DensityControl(const Tokenizer& tokenizer, float notes_per_beat);

  bool enabled() const { return target_per_step_ > 0.0; }
  // A new target from here on (a bar with another emotion), > 0. The
  // density measured so far is kept, so the piece moves to the new one over
  // about a bar; the count of notes beyond the target starts again.
  void set_target(float notes_per_beat);
  // Tilts the logits of the allowed tokens (mask entries 1) before a draw.
  void apply(const tokenizer::RemiGrammar& grammar, const uint8_t* mask, float* logits) const;
  // After every appended token: counts a completed note at its onset.
  void observe(const tokenizer::RemiGrammar& grammar);
  // The multiplier k that the next apply() uses.
  double multiplier() const;

 private:
  // log(measured / target) after the last observe().
  double error() const;

  enum class Kind : uint8_t { other, pitch, position, bar };
  std::vector<Kind> kind_;         // per token
  std::vector<int32_t> position_;  // per Position token: its grid position
  double target_per_step_ = 0.0;   // r
  int positions_per_beat_ = 4;
  // Notes and beats so far, each weighted by exp(-age / memory).
  double notes_ = 0.0, beats_ = 0.0;
  int64_t last_tick_ = 0;  // the time notes_ and beats_ are brought up to
  double surplus_ = 0.0;   // notes beyond the target since the start
};

}  // namespace emopiano::sample
