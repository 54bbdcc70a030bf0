// The model file: a small container of our own, so that truncation, version
// and corruption are detected before LibTorch sees a byte (byte layout in
// tensor_container_layout.hpp).
//
// Header: {"model": ModelConfig, "tokenizer": TokenizerConfig, "metadata": {...},
// "library_version": "...", "data_size": N, "tensors": [{"name", "dtype"
// ("f32" | "f16" | "bf16"), "shape", "offset" (from the data start, 64-byte
// aligned), "size"}]}. Tensor bytes are little-endian, row-major.
#include <nlohmann/json.hpp>

#include <fstream>
#include <system_error>

#include <fmt/core.h>

#include "core/atomic_file.hpp"
#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/version.hpp"
#include "model/model_file_format.hpp"
#include "model/model_file_header.hpp"
#include "model/model_impl.hpp"
#include "model/tensor_container.hpp"

namespace emopiano {

namespace {

std::string file_label(const std::filesystem::path& path) { return "model file " + path.string(); }

}  // namespace

std::string serialize_model(const Model& model, WeightStorage storage) {
  auto& impl = impl_of(model);
  nlohmann::json header = {
      {"model", nlohmann::json::parse(impl.config.to_json())},
      {"tokenizer", nlohmann::json::parse(impl.tokenizer->config().to_json())},
      {"metadata", nlohmann::json::parse(impl.metadata_json)},
  };
  return detail::write_tensor_container(std::move(header), *impl.net, storage);
}

Model deserialize_model(const std::string& bytes, const std::filesystem::path& path) {
  const std::string what = file_label(path);
  detail::ModelFileContents file = detail::read_model_file(bytes, what);
  Model model = Model::create(file.config, file.tokenizer, 0);
  auto& impl = impl_of(model);
  if (!file.metadata_json.empty()) impl.metadata_json = file.metadata_json;
  // Files from before key conditioning have no key embedding: zero keeps
  // their output as it was.
  detail::load_tensors(file.container, detail::named_tensors(*impl.net), what, {"key_embedding"});
  impl.net->eval();
  return model;
}

Model copy_model(const Model& model) {
  return deserialize_model(serialize_model(model, WeightStorage::f32), "copy of a model in memory");
}

void Model::save(const std::filesystem::path& path) const { save(path, WeightStorage::f32); }

void Model::save(const std::filesystem::path& path, WeightStorage storage) const {
  // Durable and atomic: a failure or a power loss never leaves half a model.
  detail::write_file_atomically(path, serialize_model(*this, storage));
}

Model Model::load(const std::filesystem::path& path) { return load(path, LoadOptions{}); }

Model Model::load(const std::filesystem::path& path, const LoadOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw Error(ErrorCode::io, fmt::format("model file {} does not exist", path.string()));
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(ErrorCode::io, fmt::format("model file {} is a directory", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, fmt::format("cannot open model file {}", path.string()));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::io, fmt::format("cannot read model file {}", path.string()));
  Model model = deserialize_model(bytes, path);
  impl_of(model).net->prepare_generation(options.precision, options.kv_cache);
  return model;
}

}  // namespace emopiano
