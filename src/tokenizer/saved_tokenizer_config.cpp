#include "tokenizer/saved_tokenizer_config.hpp"

#include <nlohmann/json.hpp>

namespace emopiano::tokenizer {

TokenizerConfig saved_tokenizer_config(std::string_view json) {
  TokenizerConfig config = TokenizerConfig::from_json(json);  // throws on anything malformed
  if (!nlohmann::json::parse(json.begin(), json.end()).contains("grid")) config.grid = "score";
  return config;
}

}  // namespace emopiano::tokenizer
