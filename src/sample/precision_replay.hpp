// The quality guard of a faster inference precision: a piece is generated
// greedily with the reference model, then what its network was fed is
// replayed through both models one token at a time (the prompt as one
// chunk, as the sampler feeds it), comparing the next-token distributions
// after every step.
#pragma once

#include <cstdint>

#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"

namespace emopiano::sample {

struct PrecisionAgreement {
  int64_t steps = 0;     // next-token distributions compared
  int64_t same_top = 0;  // steps where both models' most likely token is the same
  double mean_kl = 0.0;  // mean KL(reference || fast), in nats
  double max_kl = 0.0;
  double same_top_fraction() const { return steps ? static_cast<double>(same_top) / static_cast<double>(steps) : 0.0; }
};

// `request` sets the emotion and the prompt; the piece is request.params
// with temperature 0 (greedy) and no stop at EOS, so it runs to
// params.max_tokens, which must fit in the context with the prompt (no
// window slides). The two models must share a tokenizer and a shape.
PrecisionAgreement compare_precisions(const Model& reference, const Model& fast, GenerationRequest request);

}  // namespace emopiano::sample
