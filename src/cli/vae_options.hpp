// What the VAE commands (vae-sample, encode, decode, interpolate, variations,
// transform, evaluate-vae) share: the model option, decoding options, the
// emotion of an input piece, and numbered output files.
#pragma once

#include <filesystem>
#include <string>

#include "cli/args.hpp"
#include "cli/output_path.hpp"
#include "emopiano/emotion.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/score.hpp"
#include "emopiano/vae.hpp"

namespace emopiano::cli {

// --vae, --temperature, --top-p, --seed, --threads.
void add_vae_options(Args& args);
EmotionVae load_vae(const Args& args, bool quiet);
SamplingParams vae_sampling(const Args& args);
// --beams, checked (1..64).
int beams_option(const Args& args);

// The emotion of an input piece: `option` when given (any EmotionMix text),
// else the bundled emotion classifier's prediction (printed unless quiet).
EmotionMix piece_emotion(const Args& args, const std::string& option, const Score& piece, const std::string& name,
                         bool quiet);

}  // namespace emopiano::cli
