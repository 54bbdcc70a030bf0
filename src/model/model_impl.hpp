// What a Model holds; shared by the model, the trainer and the sampler.
#pragma once

#include <memory>
#include <string>

#include "emopiano/model.hpp"
#include "emopiano/tokenizer.hpp"
#include "model/emotion_transformer.hpp"

namespace emopiano {

struct Model::Impl {
  ModelConfig config;
  std::unique_ptr<Tokenizer> tokenizer;
  EmotionTransformer net{nullptr};
  std::string metadata_json = "{}";
};

}  // namespace emopiano
