#include "sample/row_guidance.hpp"

namespace emopiano::sample {

RowGuidance::RowGuidance(const Tokenizer& tokenizer, const SamplingParams& params, const std::string& metadata_json,
                         bool valence_may_change)
    : split_(tokenizer, resolve_guidance(params.guidance, metadata_json),
             resolve_rhythm_guidance(params.rhythm_guidance, resolve_guidance(params.guidance, metadata_json))),
      valence_(tokenizer, resolve_valence_guidance(params.valence_guidance, metadata_json)) {
  conditions_.push_back(RowCondition::emotion);
  if (split_.weight() != 1.0f) {
    null_row_ = static_cast<int64_t>(conditions_.size());
    conditions_.push_back(RowCondition::null);
  }
  // Valence guidance moves pitch and chord, which guidance weight 0 takes
  // from the null row alone: then the mirrored row would change nothing.
  if (valence_may_change && valence_.weight() != 0.0f && split_.weight() != 0.0f) {
    mirrored_row_ = static_cast<int64_t>(conditions_.size());
    conditions_.push_back(RowCondition::mirrored_valence);
  }
}

void RowGuidance::apply(float* cond, const torch::Tensor& logits, int64_t pieces, int64_t r, bool valence_changed) {
  if (mirrored_row_ > 0 && valence_changed) valence_.apply(cond, logits[mirrored_row_ * pieces + r].data_ptr<float>());
  if (null_row_ > 0) split_.apply(cond, logits[null_row_ * pieces + r].data_ptr<float>());
}

}  // namespace emopiano::sample
