// The tokenizer config stored inside a model file (generator, classifier,
// VAE). Files saved before the "grid" key existed were trained on the score's
// own grid, so a missing "grid" means "score" there; a config written by hand
// (TokenizerConfig::from_json) keeps the "auto" default instead.
#pragma once

#include <string_view>

#include "emopiano/tokenizer.hpp"

namespace emopiano::tokenizer {

TokenizerConfig saved_tokenizer_config(std::string_view json);

}  // namespace emopiano::tokenizer
