// --weights f32|f16|bf16: how the commands that write a model file store its
// weights (train, train-vae, vae-attributes). Loading always computes in f32.
#pragma once

#include "cli/args.hpp"
#include "emopiano/model.hpp"

namespace emopiano::cli {

void add_weights_option(Args& args);
// Throws Error(invalid_argument) for a value other than f32, f16 or bf16.
WeightStorage weights_option(const Args& args);

}  // namespace emopiano::cli
