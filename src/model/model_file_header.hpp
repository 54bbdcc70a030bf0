// A generator model file read as far as it goes without LibTorch: the
// checked container, the model and tokenizer configs and the metadata.
// deserialize_model builds the network from it; the fuzzing build (without
// LibTorch) drives it directly.
#pragma once

#include <string>

#include "emopiano/model.hpp"
#include "emopiano/tokenizer.hpp"
#include "model/tensor_container_layout.hpp"

namespace emopiano::detail {

struct ModelFileContents {
  TensorContainer container;  // points into the bytes given to read_model_file
  ModelConfig config;
  TokenizerConfig tokenizer;
  std::string metadata_json;  // empty when the file has no metadata object
};

// Values the generator network of `config` stores, except the key
// embedding (files from before key conditioning lack it): what a file with
// this config holds at the least.
uint64_t generator_stored_values(const ModelConfig& config, uint64_t vocab_size, uint64_t positions_per_bar);

// `what` names the file in errors. Throws Error(format) for a damaged file,
// another kind of weight file or an invalid config; Error(unsupported) for a
// newer format version, or a config whose weights the data section cannot
// hold (checked before anything is allocated for them).
ModelFileContents read_model_file(const std::string& bytes, const std::string& what);

}  // namespace emopiano::detail
