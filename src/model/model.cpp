// Model: creation, accessors and metadata. Reading and writing the file is in
// model_file.cpp.
#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "model/model_impl.hpp"
#include "model/own_generator.hpp"

namespace emopiano {

Model::Model(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Model Model::create(const ModelConfig& config, const TokenizerConfig& tokenizer, uint64_t seed) {
  config.validate();
  auto impl = std::make_shared<Impl>();
  impl->config = config;
  impl->tokenizer = Tokenizer::create(tokenizer);
  {
    // LibTorch's module constructors draw a default initialisation from the
    // global generator; init_weights replaces it, so they draw from a scratch
    // generator and creating or loading a model leaves the host's draws alone.
    detail::OwnGenerator scratch;
    detail::OwnGenerator::Lease construction_draws(scratch);
    impl->net = EmotionTransformer(config, impl->tokenizer->vocab_size(), impl->tokenizer->max_positions_per_bar());
  }
  impl->net->init_weights(seed);
  // Eval mode once, here and at load, never switched afterwards: copies of a
  // Model are read by samplers on many threads. Trainers train a copy.
  impl->net->eval();
  return Model(std::move(impl));
}

const ModelConfig& Model::config() const { return impl_->config; }
const Tokenizer& Model::tokenizer() const { return *impl_->tokenizer; }
std::string Model::metadata_json() const { return impl_->metadata_json; }

void Model::set_metadata_json(const std::string& json) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::invalid_argument, fmt::format("model metadata: malformed JSON: {}", e.what()));
  }
  if (!j.is_object()) throw Error(ErrorCode::invalid_argument, "model metadata: expected a JSON object");
  // Copy on write: other copies of this Model, which samplers on other
  // threads may be reading, keep theirs. The network is shared, not copied.
  auto impl = std::make_shared<Impl>();
  impl->config = impl_->config;
  impl->tokenizer = Tokenizer::create(impl_->tokenizer->config());
  impl->net = impl_->net;
  impl->metadata_json = j.dump();
  impl_ = std::move(impl);
}

InferencePrecision Model::inference_precision() const { return impl_->net->generation_precision(); }

KvCacheStorage Model::kv_cache_storage() const { return impl_->net->kv_cache_storage(); }

int64_t Model::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : impl_->net->parameters()) n += p.numel();
  return n;
}

}  // namespace emopiano
