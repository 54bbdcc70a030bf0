// The generator model file without LibTorch (see model_file_header.hpp).
#include "model/model_file_header.hpp"

#include <memory>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "tokenizer/saved_tokenizer_config.hpp"

namespace emopiano::detail {

uint64_t generator_stored_values(const ModelConfig& config, uint64_t vocab_size, uint64_t positions_per_bar) {
  const uint64_t d = static_cast<uint64_t>(config.d_model);
  const uint64_t embeddings = (vocab_size + static_cast<uint64_t>(config.context_length) +
                               static_cast<uint64_t>(config.max_bars) + positions_per_bar + 4) *
                              d;
  const uint64_t final_norm_and_head = 2 * d + d * vocab_size + vocab_size;
  return embeddings +
         transformer_block_values(
             static_cast<uint64_t>(config.n_layers), d, static_cast<uint64_t>(config.d_ff),
             d / static_cast<uint64_t>(config.n_heads) * static_cast<uint64_t>(config.kv_heads())) +
         final_norm_and_head;
}

ModelFileContents read_model_file(const std::string& bytes, const std::string& what) {
  ModelFileContents m;
  m.container = read_tensor_container(bytes, what, {"model", "tokenizer"});
  const nlohmann::json& header = m.container.header;
  if (header.contains("kind") && header["kind"] != "generator") {
    bad_container(what, fmt::format("holds a {}, not a generator model", header["kind"].dump()));
  }
  std::unique_ptr<Tokenizer> tokenizer;
  try {
    m.config = ModelConfig::from_json(header["model"].dump());
    m.tokenizer = tokenizer::saved_tokenizer_config(header["tokenizer"].dump());
    tokenizer = Tokenizer::create(m.tokenizer);
  } catch (const Error& e) {
    bad_container(what, e.what());
  }
  check_config_fits_data(m.container,
                         generator_stored_values(m.config, static_cast<uint64_t>(tokenizer->vocab_size()),
                                                 static_cast<uint64_t>(tokenizer->max_positions_per_bar())),
                         what);
  if (header.contains("metadata") && header["metadata"].is_object()) m.metadata_json = header["metadata"].dump();
  return m;
}

}  // namespace emopiano::detail
