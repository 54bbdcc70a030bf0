// The sampling options shared by `generate`, `evaluate` and `live`: one
// spelling, one help text and one range check for each, so that the three
// commands accept the same values.
#pragma once

#include "cli/args.hpp"
#include "emopiano/sampler.hpp"

namespace emopiano::cli {

// --temperature, --top-p, --top-k, --guidance, --rhythm-guidance, --valence-guidance and --density.
void add_sampling_options(Args& args);

// Reads them into `params`; an option not given keeps the params' default
// (the guidance weights: the model's own). Throws Error(invalid_argument),
// naming the option, for a value out of range, a negative guidance included.
void read_sampling_options(const Args& args, SamplingParams& params);

}  // namespace emopiano::cli
