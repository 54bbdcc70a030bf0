// The weight-file container as bytes, without LibTorch: magic, format
// version, JSON header, tensor table, data section and CRC-32 are checked
// here, so every check runs in builds without LibTorch (the fuzzing build
// drives it directly). tensor_container.hpp moves tensors in and out of it.
//
//   offset 0        "EMOPIANO"                      8 bytes magic
//   offset 8        format version                  u32 little-endian
//   offset 12       header length H                 u64 little-endian
//   offset 20       header                          H bytes of UTF-8 JSON
//   offset 20+H     tensor data                     data_size bytes (from the header)
//   end - 4         CRC-32 of every byte before it  u32 little-endian
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace emopiano::detail {

enum class StoredDtype { f32, f16, bf16 };

const char* stored_dtype_name(StoredDtype dtype);
uint64_t stored_dtype_bytes(StoredDtype dtype);

// One entry of the tensor table, checked: its bytes lie inside the data
// section and are exactly as many as its shape and dtype need.
struct StoredTensor {
  std::string name;
  StoredDtype dtype = StoredDtype::f32;
  std::vector<int64_t> shape;
  uint64_t offset = 0;  // from the start of the data section
  uint64_t size = 0;    // bytes
};

// A parsed, checksum-verified container. `data` points into the bytes given
// to read_tensor_container, which must outlive the view.
struct TensorContainer {
  nlohmann::json header;
  std::vector<StoredTensor> tensors;  // in table order; names are unique
  const unsigned char* data = nullptr;
  uint64_t data_size = 0;
};

// `what` names the file in errors ("model file x.pt"). Throws Error(format)
// when truncated or corrupt, or when one of `required` is not in the header;
// Error(unsupported) when written by a newer format version.
TensorContainer read_tensor_container(const std::string& bytes, const std::string& what,
                                      const std::vector<std::string>& required);

// A tensor to store: `bytes` holds its little-endian, row-major values in
// `dtype`, as many as `shape` needs.
struct TensorBytes {
  std::string name;
  StoredDtype dtype = StoredDtype::f32;
  std::vector<int64_t> shape;
  const void* bytes = nullptr;
};

// The whole file: `header` gains "library_version", "data_size" and "tensors";
// each tensor starts at a 64-byte aligned offset of the data section.
std::string build_tensor_container(nlohmann::json header, const std::vector<TensorBytes>& tensors);

// Values in `layers` of the Transformer block every network here is made of
// (two LayerNorms, the qkv and output projections, the two feed-forward
// layers, with their biases), of width `d_model` and feed-forward `d_ff`;
// `kv_width` is the width of its keys (and of its values): d_model, or less
// with grouped-query attention (0: d_model).
uint64_t transformer_block_values(uint64_t layers, uint64_t d_model, uint64_t d_ff, uint64_t kv_width = 0);

// Refuses the file (Error(format)) when its config implies at least
// `min_values` stored values but its data section could not hold them at
// 2 bytes each (f16/bf16, the smallest dtype). Called before the network is
// built, so a crafted config cannot make the loader allocate more than a
// small multiple of the file's size.
void check_config_fits_data(const TensorContainer& container, uint64_t min_values, const std::string& what);

[[noreturn]] void bad_container(const std::string& what, const std::string& why);

}  // namespace emopiano::detail
