// The rows a piece runs as at each step, and how their logits become the one
// row it samples from: the emotion's row, the null row of classifier-free
// guidance, and the valence-mirrored row of valence guidance. Shared by the
// sampler and the live session.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "emopiano/sampler.hpp"
#include "sample/guidance.hpp"
#include "sample/token_inputs.hpp"
#include "sample/valence_guidance.hpp"

namespace emopiano::sample {

class RowGuidance {
 public:
  // Resolves the params' guidance weights (negative = the defaults) for a
  // model with this metadata. Rows with weights that change nothing are not
  // run, nor the mirrored row when the valence cannot change (a generation
  // whose trajectory keeps its valence).
  RowGuidance(const Tokenizer& tokenizer, const SamplingParams& params, const std::string& metadata_json,
              bool valence_may_change = true);

  // The conditions of a piece's rows, in batch order; emotion first.
  const std::vector<RowCondition>& conditions() const { return conditions_; }
  int rows_per_piece() const { return static_cast<int>(conditions_.size()); }

  // In place on piece r's emotion-row logits `cond`; `logits` holds every row
  // of the step, [rows_per_piece() * pieces, vocab], piece r's copy c at
  // c * pieces + r. Valence guidance first, where `valence_changed` (see
  // sample::valence_changed), then guidance.
  void apply(float* cond, const torch::Tensor& logits, int64_t pieces, int64_t r, bool valence_changed);

  float guidance() const { return split_.weight(); }
  float rhythm_guidance() const { return null_row_ > 0 ? split_.rhythm() : 1.0f; }
  float valence_guidance() const { return mirrored_row_ > 0 ? valence_.weight() : 0.0f; }

 private:
  SplitGuidance split_;
  ValenceGuidance valence_;
  std::vector<RowCondition> conditions_;
  int64_t null_row_ = -1, mirrored_row_ = -1;  // their copy index, -1: not run
};

}  // namespace emopiano::sample
