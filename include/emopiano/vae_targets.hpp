// The VAE's targets measured on a held-out split: interpolation paths whose
// notes leave A and reach B monotonically, and transforms that keep the
// piece's notes while the emotion classifier moves toward the target.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emopiano/dataset.hpp"
#include "emopiano/progress.hpp"
#include "emopiano/vae.hpp"

namespace emopiano {

class EmotionClassifier;

struct VaeTargetOptions {
  int pairs = 16;  // interpolation: first segments of two pieces of the split
  int steps = 8;
  // Interpolation of whole spans too: the first span_segments segments of
  // each piece of a pair, segment by segment (EmotionVae::interpolate_pieces),
  // F1 over the span's notes. 0 leaves it out.
  int span_segments = 4;
  int transform_pieces = 8;  // per source quadrant, each moved to the three others
  float strength = 1.0f;
  int beams = 1;              // greedy decoding with this many beams (SamplingParams::beams)
  ProgressCallback progress;  // stages "interpolation paths", "interpolation spans", "transform kept notes"
  CancelToken cancel;
};

struct VaeTargetEvaluation {
  // Interpolation (spherical, greedy): for each pair and step, the note F1
  // (onset, pitch) of the decoded step against segment A and against B.
  int pairs = 0;
  std::vector<std::vector<double>> f1_to_a, f1_to_b;
  // Share of pairs whose F1 to A never rises and to B never falls along the path.
  double monotone_fraction = 0.0;
  // Share of the middle steps (neither end) that decode to a piece with notes
  // and no ill-formed tokens.
  double valid_middle_steps = 0.0;
  // The same over spans of span_segments segments (fewer where a piece of
  // the pair is shorter), for the same pairs.
  int span_segments = 0;
  std::vector<std::vector<double>> span_f1_to_a, span_f1_to_b;
  double span_monotone_fraction = 0.0;
  double span_valid_middle_steps = 0.0;
  // Transform: share of the input's notes (pitch class, onset) the
  // transformed piece keeps, mean over the cases.
  int transform_cases = 0;
  double kept_notes = 0.0;
  // With a classifier: share of cases whose probability of the target
  // quadrant is higher for the transformed piece than for the input, and
  // the mean probability of the target before and after.
  double moved_toward_target = 0.0;
  double target_probability_before = 0.0;
  double target_probability_after = 0.0;
  double seconds = 0.0;

  std::string to_json() const;
};

// Needs a dataset tokenized with the VAE's tokenizer; `classifier` may be
// null (no classifier figures). Throws Error(invalid_argument) on bad options.
VaeTargetEvaluation evaluate_vae_targets(const EmotionVae& vae, const Dataset& dataset, Split split,
                                         const EmotionClassifier* classifier, const VaeTargetOptions& options = {});

}  // namespace emopiano
