// The model file container (byte layout in tensor_container_layout.hpp, header in
// model_file.cpp and docs/model.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "emopiano/model.hpp"

namespace emopiano {

inline constexpr char kModelFileMagic[8] = {'E', 'M', 'O', 'P', 'I', 'A', 'N', 'O'};
inline constexpr uint32_t kModelFileVersion = 1;

// CRC-32 (IEEE, as zlib), continuing from `crc`.
uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

// The whole file as bytes, and back; `path` only names the file in errors.
std::string serialize_model(const Model& model, WeightStorage storage);
Model deserialize_model(const std::string& bytes, const std::filesystem::path& path);

// A model with its own network: the weights (f32, exact), config, tokenizer
// and metadata of `model`, sharing nothing with it. What a trainer trains,
// so models that samplers are reading never change.
Model copy_model(const Model& model);

}  // namespace emopiano
