// Batches of VAE segments as tensors, and the forward pass with its losses,
// shared by the trainer and the evaluation.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "emopiano/emotion.hpp"
#include "vae/segments.hpp"
#include "vae/vae_impl.hpp"
#include "vae/vae_network.hpp"

namespace emopiano::vae {

// Everything one batch feeds the networks.
struct SegmentBatch {
  EncoderBatch encoder;
  torch::Tensor tokens, bars, positions, targets, emotion;  // decoder input [B, T], targets [B, T], emotion [B, 4]
  int64_t target_tokens = 0;
};

SegmentBatch make_batch(const SegmentCutter& cutter, const std::vector<std::vector<int32_t>>& segments,
                        const std::vector<Quadrant>& labels, int32_t pad);

struct Losses {
  torch::Tensor reconstruction;  // [B] nats per segment
  torch::Tensor kl;              // [B] nats per segment
  torch::Tensor kl_dims;         // [B, Z]
  torch::Tensor logits;          // [B, T, vocab], float32
  torch::Tensor mean;            // [B, Z]
};

// Encodes, draws z (or takes the mean), decodes teacher-forced.
Losses forward(VaeNetworkImpl& net, const SegmentBatch& b, bool sample_z, bool bf16, int32_t pad);

}  // namespace emopiano::vae
