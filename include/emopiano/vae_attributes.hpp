// Musical attribute vectors for the VAE (MusicVAE): for note density, pitch
// range, syncopation and mode, the mean latent of the training segments in
// the attribute's top quartile minus that of its bottom quartile. Adding one
// to a piece's latents makes it denser, wider, more syncopated or more major.
//
//   auto vae = emopiano::EmotionVae::load(path);
//   auto with = emopiano::with_attribute_vectors(vae, dataset);   // once, after training
//   std::vector<float> shift = emopiano::attribute_vector(with, emopiano::VaeAttribute::density);
//   emopiano::Score denser = emopiano::transform_by(with, piece, Quadrant::Q1, Quadrant::Q1, shift, params);
#pragma once

#include <string_view>
#include <vector>

#include "emopiano/dataset.hpp"
#include "emopiano/progress.hpp"
#include "emopiano/vae.hpp"

namespace emopiano {

// Notes per bar; highest minus lowest pitch; share of onsets off the beat;
// the key's mode (Krumhansl-Kessler correlation of the best key, positive
// for major, negative for minor).
enum class VaeAttribute { density, pitch_range, syncopation, mode };
constexpr int kVaeAttributeCount = 4;
const char* vae_attribute_name(VaeAttribute attribute) noexcept;  // "density", "pitch range", ...

// An attribute and which way to move it: +1 more, -1 less.
struct VaeAttributeDirection {
  VaeAttribute attribute = VaeAttribute::density;
  int sign = 1;
};
// The words `transform --more/--less` take: dense/sparse, wide/narrow,
// syncopated/straight, major/minor (and density, range, syncopation).
// Throws Error(invalid_argument) naming them for any other word.
VaeAttributeDirection parse_vae_attribute(std::string_view word);

// Whether the model file holds the attribute's vector, and the vector
// (latent_dim values; Error(unsupported) when it has none).
bool has_attribute_vector(const EmotionVae& vae, VaeAttribute attribute);
std::vector<float> attribute_vector(const EmotionVae& vae, VaeAttribute attribute);

// A copy of `vae` holding the four attribute vectors, computed from the
// segments (with notes) of the dataset's train split, which must be
// tokenized with the VAE's tokenizer. Throws Error(invalid_argument) with
// fewer than 8 such segments, Error(cancelled) when `progress` returns false.
EmotionVae with_attribute_vectors(const EmotionVae& vae, const Dataset& dataset, const ProgressCallback& progress = {});

// Latent arithmetic on a whole piece: every segment encoded with `from`,
// `shift` (latent_dim values) added to its mean, decoded with `to`, and the
// segments joined. EmotionVae::transform is this with the emotion's vector.
Score transform_by(const EmotionVae& vae, const Score& piece, Quadrant from, Quadrant to,
                   const std::vector<float>& shift, const SamplingParams& params);

}  // namespace emopiano
