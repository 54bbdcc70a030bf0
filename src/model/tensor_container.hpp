// Tensors into and out of the container every emopiano weight file uses (the
// generator's model file, the emotion classifier's and the VAE's). The
// container itself (magic, version, JSON header, tensor table, CRC-32) is
// read and written without LibTorch: tensor_container_layout.hpp.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "emopiano/model.hpp"
#include "model/tensor_container_layout.hpp"

namespace emopiano::detail {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Every parameter and buffer of a module, by module path ("blocks.0.qkv.weight").
NamedTensors named_tensors(torch::nn::Module& module);

// The whole file of a module's tensors: `header` gains "library_version",
// "data_size" and "tensors". The parameters are stored as `storage` says; the
// buffers (a VAE's quadrant means and segment counts, say) always in float32,
// since f16 would round a count above 2,048 and shift the means z is steered by.
std::string write_tensor_container(nlohmann::json header, torch::nn::Module& module, WeightStorage storage);

// Copies the stored tensors into `into` (converting to its dtype). Every
// tensor must be present with the same shape, and no other may be stored,
// except the `absent_as_zero` ones, which files written before they existed
// lack: those are set to zero.
void load_tensors(const TensorContainer& container, const NamedTensors& into, const std::string& what,
                  const std::vector<std::string>& absent_as_zero = {});

}  // namespace emopiano::detail
