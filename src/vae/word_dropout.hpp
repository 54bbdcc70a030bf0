// Word dropout on the decoder's input tokens (Bowman et al., 2016; MusicVAE):
// a share of the inputs is hidden behind one id, so the decoder cannot
// predict a segment from its own context alone and has to read z.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <random>

namespace emopiano::vae {

// Replaces each input token of `tokens` (int64 [B, T], from BOS) after BOS
// and the emotion token, and before the padding, by `mask_id` with
// probability `rate`, drawing from `rng` (one draw per such token, so a
// resumed run draws the same). Returns how many tokens it replaced.
int64_t drop_words(torch::Tensor& tokens, double rate, int32_t mask_id, std::mt19937_64& rng);

}  // namespace emopiano::vae
