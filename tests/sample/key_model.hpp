// A tiny untrained model with Key tokens (and no emotion token), for the
// tests of guidance and keys; `metadata` is its metadata JSON.
#pragma once

#include <string>

#include "emopiano/model.hpp"

namespace emopiano::test {

inline Model key_model(const std::string& metadata = "{}") {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 64;
  c.context_length = 96;
  c.max_bars = 32;
  TokenizerConfig t;
  t.use_key = true;
  t.emotion_token = false;
  Model m = Model::create(c, t, 11);
  m.set_metadata_json(metadata);
  return m;
}

}  // namespace emopiano::test
