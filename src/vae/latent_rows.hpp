// What the VAE's two decoding loops (latent_decoder.cpp draws a token per
// step, latent_beam_search.cpp keeps the likeliest sequences) share: the
// latents as tensors, a segment being written with its grammar, the
// segment's end rule, and the batch fed to the cached decoder.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "emopiano/emotion.hpp"
#include "emopiano/tokenizer.hpp"
#include "emopiano/vae.hpp"

namespace emopiano::vae {

// z [B, latent_dim] and the emotions' probabilities [B, 4]. Throws
// Error(invalid_argument) for a latent of the wrong size or not finite, or
// counts that differ.
struct LatentInputs {
  torch::Tensor z, emotion;
};
LatentInputs latent_inputs(const VaeConfig& config, const std::vector<std::vector<float>>& z,
                           const std::vector<EmotionMix>& emotion);

// One segment being written.
struct LatentRow {
  std::unique_ptr<TokenGrammar> grammar;
  std::vector<int32_t> tokens;
  std::vector<int64_t> bars, positions;  // the grammar's position after each token
  size_t last_complete = 0;              // length where EOS was last allowed
  std::vector<int32_t> final_tokens;     // set when the row was cut back to where it could end
  bool done = false;

  LatentRow() = default;
  LatentRow(const Tokenizer& tokenizer, const EmotionMix& emotion);  // BOS and the emotion token
  LatentRow(const LatentRow& other);                                 // clones the grammar
  LatentRow& operator=(const LatentRow& other);
  LatentRow(LatentRow&&) = default;
  LatentRow& operator=(LatentRow&&) = default;

  void push(int32_t token);  // refused by the grammar after EOS: the position stays
  // The allowed next tokens into `mask`; where the segment has its bars and
  // the model would start another, the Bar's probability moves to EOS in
  // `logits` and Bar is forbidden, so the segment ends there.
  void next_tokens(const Tokenizer& tokenizer, const VaeConfig& config, float* logits, uint8_t* mask);
  // Out of room (max_segment_tokens): ends where the segment last could.
  bool out_of_room(const VaeConfig& config) const;
  void end_where_complete(int32_t eos);
  // The segment: up to and with its EOS.
  std::vector<int32_t> result(int32_t eos) const;
};

// The tokens of every row from `fed` on, as the cached decoder takes them.
struct DecoderFeed {
  torch::Tensor tokens, bars, positions;
};
DecoderFeed decoder_feed(const std::vector<const LatentRow*>& rows, size_t fed);

}  // namespace emopiano::vae
