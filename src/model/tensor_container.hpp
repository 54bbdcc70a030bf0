// The container every emopiano weight file uses (the generator's model file
// and the emotion classifier's file): magic, format version, a JSON header,
// 64-byte aligned tensor data and a CRC-32, so that truncation, version and
// corruption are detected before LibTorch sees a byte. Layout in
// model_file.cpp and docs/model.md.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "emopiano/model.hpp"

namespace emopiano::detail {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Every parameter and buffer of a module, by module path ("blocks.0.qkv.weight").
NamedTensors named_tensors(torch::nn::Module& module);

// The whole file: `header` gains "library_version", "data_size" and "tensors".
std::string write_tensor_container(nlohmann::json header, const NamedTensors& tensors,
                                   WeightStorage storage);

// A parsed, checksum-verified container. `data` points into the bytes given
// to read_tensor_container, which must outlive the view.
struct TensorContainer {
  nlohmann::json header;
  const unsigned char* data = nullptr;
  uint64_t data_size = 0;
};

// `what` names the file in errors ("model file x.pt"). Throws Error(format)
// when truncated or corrupt, or when one of `required` is not in the header;
// Error(unsupported) when written by a newer format version.
TensorContainer read_tensor_container(const std::string& bytes, const std::string& what,
                                      const std::vector<std::string>& required);

// Copies the stored tensors into `into` (converting to its dtype). Every
// tensor must be present with the same shape, and no other may be stored,
// except the `absent_as_zero` ones, which files written before they existed
// lack: those are set to zero.
void load_tensors(const TensorContainer& container, const NamedTensors& into, const std::string& what,
                  const std::vector<std::string>& absent_as_zero = {});

[[noreturn]] void bad_container(const std::string& what, const std::string& why);

}  // namespace emopiano::detail
