// Choosing one token from a row of logits: mask, temperature, top-k, top-p,
// then a draw. Plain C++ so it is tested without a network.
#pragma once

#include <cstdint>
#include <vector>

#include "emopiano/sampler.hpp"
#include "sample/random.hpp"

namespace emopiano::sample {

// The probabilities the draw uses, as (token, probability) pairs sorted by
// decreasing probability (ties by token id); empty when no token is allowed.
// `mask` may be null (everything allowed).
std::vector<std::pair<int32_t, double>> candidate_distribution(const float* logits, const uint8_t* mask,
                                                               int32_t vocab_size, const SamplingParams& params);

// Moves token `from`'s probability onto token `into` (log-sum-exp of the two
// logits into `into`); `from` keeps its logit, for the caller to mask. Used
// at a bar limit, where a new Bar becomes the end of the piece.
void fold_probability(float* logits, int32_t from, int32_t into);

// A token drawn from candidate_distribution, or -1 when no token is allowed.
int32_t choose_token(const float* logits, const uint8_t* mask, int32_t vocab_size, const SamplingParams& params,
                     Random& random);

}  // namespace emopiano::sample
