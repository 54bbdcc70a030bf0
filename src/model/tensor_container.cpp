// Tensors into and out of the weight-file container.
#include "model/tensor_container.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/core.h>

namespace emopiano::detail {
namespace {

StoredDtype stored_dtype(WeightStorage s) {
  switch (s) {
    case WeightStorage::f16: return StoredDtype::f16;
    case WeightStorage::bf16: return StoredDtype::bf16;
    default: return StoredDtype::f32;
  }
}
torch::Dtype torch_dtype(StoredDtype d) {
  switch (d) {
    case StoredDtype::f16: return torch::kHalf;
    case StoredDtype::bf16: return torch::kBFloat16;
    default: return torch::kFloat;
  }
}

}  // namespace

NamedTensors named_tensors(torch::nn::Module& module) {
  NamedTensors out;
  for (auto& p : module.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (auto& b : module.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

std::string write_tensor_container(nlohmann::json header, torch::nn::Module& module, WeightStorage storage) {
  torch::NoGradGuard no_grad;
  const NamedTensors tensors = named_tensors(module);
  const size_t parameters = module.named_parameters(true).size();  // named_tensors lists them first
  std::vector<torch::Tensor> stored;                               // keeps the converted copies alive
  std::vector<TensorBytes> table;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const StoredDtype dtype = i < parameters ? stored_dtype(storage) : StoredDtype::f32;
    stored.push_back(tensors[i].second.detach().to(torch::kCPU).to(torch_dtype(dtype)).contiguous());
    table.push_back({tensors[i].first, dtype, stored.back().sizes().vec(), stored.back().data_ptr()});
  }
  return build_tensor_container(std::move(header), table);
}

void load_tensors(const TensorContainer& c, const NamedTensors& into, const std::string& what,
                  const std::vector<std::string>& absent_as_zero) {
  std::map<std::string, const StoredTensor*> entries;
  for (const auto& t : c.tensors) entries[t.name] = &t;
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  for (auto& [name, tensor] : into) {
    auto it = entries.find(name);
    if (it == entries.end() && std::find(absent_as_zero.begin(), absent_as_zero.end(), name) != absent_as_zero.end()) {
      tensor.zero_();
      continue;
    }
    if (it == entries.end()) bad_container(what, fmt::format("tensor '{}' is missing", name));
    const StoredTensor& stored = *it->second;
    used.insert(name);
    if (stored.shape != tensor.sizes().vec()) {
      bad_container(what,
                    fmt::format("tensor '{}' has shape {} but the model config needs {}", name,
                                nlohmann::json(stored.shape).dump(), nlohmann::json(tensor.sizes().vec()).dump()));
    }
    // The table check made offset and size fit the data section and the shape.
    auto src = torch::from_blob(const_cast<unsigned char*>(c.data + stored.offset), stored.shape,
                                torch::TensorOptions().dtype(torch_dtype(stored.dtype)));
    tensor.copy_(src.to(tensor.scalar_type()));
  }
  for (const auto& t : c.tensors) {
    if (!used.count(t.name)) {
      bad_container(what, fmt::format("unexpected tensor '{}' (does the model config match?)", t.name));
    }
  }
}

}  // namespace emopiano::detail
