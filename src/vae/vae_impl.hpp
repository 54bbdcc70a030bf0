// What an EmotionVae holds; shared by the VAE, its decoding loop and its trainer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "emopiano/sampler.hpp"
#include "emopiano/tokenizer.hpp"
#include "emopiano/vae.hpp"
#include "vae/segments.hpp"
#include "vae/vae_network.hpp"

namespace emopiano {

struct EmotionVae::Impl {
  VaeConfig config;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<vae::SegmentCutter> cutter;
  VaeNetwork net{nullptr};
  std::string metadata_json = "{}";
};

namespace detail {

// A VAE with a copy of the weights and metadata of `vae`, sharing nothing
// with it: what the trainer trains, so that copies of the handle other
// threads decode with never change.
EmotionVae copy_vae(const EmotionVae& vae);

}  // namespace detail

namespace vae {

// The encoder's tensors for a batch of segments (each BOS, emotion, ..., EOS):
// everything after the emotion token, padded.
struct EncoderBatch {
  torch::Tensor tokens, bars, positions, padding;
};
EncoderBatch encoder_batch(const SegmentCutter& cutter, const std::vector<std::vector<int32_t>>& segments,
                           int32_t pad_id);

// Writes one segment per latent, all in one batch with a K/V cache, each
// with its own grammar and random stream (params.seed + row).
// params.beams > 1 with temperature 0 runs beam_search_latents.
std::vector<std::vector<int32_t>> decode_latents(EmotionVae::Impl& vae, const std::vector<std::vector<float>>& z,
                                                 const std::vector<EmotionMix>& emotion, const SamplingParams& params);

// The most likely segment for each latent by beam search with `beams` beams
// (latent_beam_search.cpp), and, when asked, its mean log-probability per
// token the model chose (under the grammar and the segment's end rule).
std::vector<std::vector<int32_t>> beam_search_latents(EmotionVae::Impl& vae, const std::vector<std::vector<float>>& z,
                                                      const std::vector<EmotionMix>& emotion, int beams,
                                                      std::vector<double>* mean_log_probability = nullptr);

}  // namespace vae
}  // namespace emopiano
