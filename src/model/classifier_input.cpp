#include "model/classifier_input.hpp"

#include <algorithm>

namespace emopiano::detail {

ClassifierInput make_classifier_input(const Tokenizer& tokenizer, const std::vector<int32_t>& tokens) {
  std::vector<int32_t> bars(tokens.size()), positions(tokens.size());
  tokenizer.musical_positions(tokens.data(), tokens.size(), bars.data(), positions.data());
  ClassifierInput in;
  in.tokens.reserve(tokens.size());
  in.positions.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokenizer.emotion_of(tokens[i])) continue;
    in.tokens.push_back(tokens[i]);
    in.positions.push_back(std::max(0, positions[i]));
  }
  return in;
}

std::vector<int64_t> inference_window_starts(int64_t length, int64_t window, int64_t max_windows) {
  if (length <= window || max_windows <= 1) {
    // One window: the whole piece, or its middle when only one is allowed.
    return {length <= window ? 0 : (length - window) / 2};
  }
  // Windows overlapping by about half, so every token is seen in two
  // contexts, at most max_windows.
  const int64_t needed = (2 * length + window - 1) / window - 1;
  const int64_t n = std::min<int64_t>(max_windows, std::max<int64_t>(2, needed));
  std::vector<int64_t> starts;
  for (int64_t i = 0; i < n; ++i) starts.push_back((length - window) * i / (n - 1));
  return starts;
}

}  // namespace emopiano::detail
