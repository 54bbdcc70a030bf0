// What the network is fed for one sequence (each token with its bar,
// position-in-bar, emotion and key inputs), and one cached forward step over rows
// of such sequences: shared by the sampler's batches and the live session.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "model/emotion_transformer.hpp"

namespace emopiano::sample {

struct TokenInputs {
  std::vector<int32_t> tokens, bars, positions;
  std::vector<std::array<float, 4>> emotions;
  std::vector<int8_t> keys;  // key_code() of the key in force after each token

  size_t size() const { return tokens.size(); }
  void push(int32_t token, int32_t bar, int32_t position, const std::array<float, 4>& emotion,
            const std::optional<MusicalKey>& key);
  // Drops the first `count` tokens (a window that slides) or everything
  // after the first `count` (a bar taken back).
  void erase_front(size_t count);
  void truncate(size_t count);
};

// The condition a copy of the rows is fed with: the emotion (and key) of
// each token, the null condition (no emotion, no key) that guidance
// contrasts with, or the emotion with its valence mirrored and the same key
// (valence guidance).
enum class RowCondition { emotion, null, mirrored_valence };

// Runs tokens [from, to) of every row through the network, continuing the
// cache, and returns the logits after the last of them as float
// [conditions.size() * rows, vocab]: the rows once per condition, in that
// order, in one batch so the weights are read once.
torch::Tensor next_logits(EmotionTransformerImpl& net, const std::vector<const TokenInputs*>& rows, size_t from,
                          size_t to, const std::vector<RowCondition>& conditions, KVCache& cache);

}  // namespace emopiano::sample
