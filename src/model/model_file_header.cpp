// The generator model file without LibTorch (see model_file_header.hpp).
#include "model/model_file_header.hpp"

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "tokenizer/saved_tokenizer_config.hpp"

namespace emopiano::detail {

ModelFileContents read_model_file(const std::string& bytes, const std::string& what) {
  ModelFileContents m;
  m.container = read_tensor_container(bytes, what, {"model", "tokenizer"});
  const nlohmann::json& header = m.container.header;
  if (header.contains("kind") && header["kind"] != "generator") {
    bad_container(what, fmt::format("holds a {}, not a generator model", header["kind"].dump()));
  }
  try {
    m.config = ModelConfig::from_json(header["model"].dump());
    m.tokenizer = tokenizer::saved_tokenizer_config(header["tokenizer"].dump());
  } catch (const Error& e) {
    bad_container(what, e.what());
  }
  if (header.contains("metadata") && header["metadata"].is_object()) m.metadata_json = header["metadata"].dump();
  return m;
}

}  // namespace emopiano::detail
