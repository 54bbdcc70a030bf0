// The opaque tokenizer handle, shared with the model entry points (a model
// hands out a tokenizer with its own vocabulary).
#pragma once

#include <memory>

#include "emopiano.h"
#include "emopiano/tokenizer.hpp"

struct emopiano_tokenizer {
  std::unique_ptr<emopiano::Tokenizer> tokenizer;
};

namespace emopiano::capi {

// The tokenizer a handle holds; throws Error(invalid_argument) on NULL.
const Tokenizer& tokenizer_of(const emopiano_tokenizer* handle);

// NULL or "" = the defaults.
TokenizerConfig tokenizer_config_from(const char* json);

}  // namespace emopiano::capi
