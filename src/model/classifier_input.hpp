// What the emotion classifier reads of a token sequence, without LibTorch:
// the tokens minus any emotion token (the label must not leak into the
// input), their position in the bar, and where its windows start.
#pragma once

#include <cstdint>
#include <vector>

#include "emopiano/tokenizer.hpp"

namespace emopiano::detail {

struct ClassifierInput {
  std::vector<int32_t> tokens;     // emotion tokens removed
  std::vector<int32_t> positions;  // grid position in the bar of each token
};

ClassifierInput make_classifier_input(const Tokenizer& tokenizer, const std::vector<int32_t>& tokens);

// Starts of the windows averaged for a piece of `length` tokens: one window
// when it fits, otherwise up to max_windows full windows spread evenly from
// the first token to the last (the first at 0, the last ending at `length`),
// overlapping by about half a window.
std::vector<int64_t> inference_window_starts(int64_t length, int64_t window, int64_t max_windows);

}  // namespace emopiano::detail
