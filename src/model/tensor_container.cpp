// The weight-file container shared by the generator and the classifier.
#include "model/tensor_container.hpp"

#include <algorithm>

#include <array>
#include <cstring>
#include <map>
#include <set>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "emopiano/version.hpp"
#include "model/model_file_format.hpp"

namespace emopiano {

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  auto p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

namespace detail {
namespace {

constexpr size_t kFixedPrefix = 8 + 4 + 8;
constexpr size_t kAlignment = 64;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t get_u32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint64_t get_u64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

const char* dtype_name(WeightStorage s) {
  switch (s) {
    case WeightStorage::f16: return "f16";
    case WeightStorage::bf16: return "bf16";
    default: return "f32";
  }
}
torch::Dtype torch_dtype(WeightStorage s) {
  switch (s) {
    case WeightStorage::f16: return torch::kHalf;
    case WeightStorage::bf16: return torch::kBFloat16;
    default: return torch::kFloat;
  }
}

}  // namespace

void bad_container(const std::string& what, const std::string& why) {
  throw Error(ErrorCode::format, fmt::format("{}: {}", what, why));
}

NamedTensors named_tensors(torch::nn::Module& module) {
  NamedTensors out;
  for (auto& p : module.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (auto& b : module.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

std::string write_tensor_container(nlohmann::json header, const NamedTensors& tensors,
                                   WeightStorage storage) {
  torch::NoGradGuard no_grad;
  nlohmann::json table = nlohmann::json::array();
  std::vector<torch::Tensor> stored;
  uint64_t offset = 0;
  for (auto& [name, tensor] : tensors) {
    auto t = tensor.detach().to(torch::kCPU).to(torch_dtype(storage)).contiguous();
    const uint64_t size = static_cast<uint64_t>(t.numel()) * t.element_size();
    offset = (offset + kAlignment - 1) / kAlignment * kAlignment;
    table.push_back({{"name", name},
                     {"dtype", dtype_name(storage)},
                     {"shape", t.sizes().vec()},
                     {"offset", offset},
                     {"size", size}});
    stored.push_back(t);
    offset += size;
  }
  const uint64_t data_size = offset;
  header["library_version"] = version_string();
  header["data_size"] = data_size;
  header["tensors"] = table;
  const std::string header_text = header.dump();

  std::string out;
  out.reserve(kFixedPrefix + header_text.size() + data_size + 4);
  out.append(kModelFileMagic, 8);
  put_u32(out, kModelFileVersion);
  put_u64(out, header_text.size());
  out += header_text;
  const size_t data_start = out.size();
  out.resize(data_start + data_size, '\0');
  for (size_t i = 0; i < stored.size(); ++i) {
    const uint64_t off = table[i]["offset"].get<uint64_t>();
    const uint64_t size = table[i]["size"].get<uint64_t>();
    std::memcpy(&out[data_start + off], stored[i].data_ptr(), size);
  }
  put_u32(out, crc32(out.data(), out.size()));
  return out;
}

TensorContainer read_tensor_container(const std::string& bytes, const std::string& what,
                                      const std::vector<std::string>& required) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  if (n < 8 || std::memcmp(p, kModelFileMagic, 8) != 0) {
    if (n < 8 && std::memcmp(p, kModelFileMagic, n) == 0) {
      bad_container(what, fmt::format("truncated: {} bytes, too short for the header", n));
    }
    bad_container(what, "not an emopiano model (wrong magic bytes)");
  }
  if (n < kFixedPrefix) bad_container(what, fmt::format("truncated: {} bytes, too short for the header", n));
  const uint32_t version = get_u32(p + 8);
  if (version > kModelFileVersion) {
    throw Error(ErrorCode::unsupported,
                fmt::format("{}: model file version {} is newer than this library supports ({})", what,
                            version, kModelFileVersion));
  }
  if (version == 0) bad_container(what, "invalid format version 0");
  const uint64_t header_size = get_u64(p + 12);
  if (header_size > n - kFixedPrefix) {
    bad_container(what, fmt::format("truncated: header of {} bytes but only {} bytes follow", header_size,
                                    n - kFixedPrefix));
  }
  TensorContainer c;
  try {
    c.header = nlohmann::json::parse(bytes.begin() + kFixedPrefix, bytes.begin() + kFixedPrefix + header_size);
  } catch (const nlohmann::json::exception& e) {
    bad_container(what, fmt::format("corrupt header: {}", e.what()));
  }
  bool complete = c.header.is_object() && c.header.contains("data_size") &&
                  c.header["data_size"].is_number_unsigned() && c.header.contains("tensors") &&
                  c.header["tensors"].is_array();
  std::string names;
  for (const auto& key : required) {
    complete = complete && c.header.contains(key);
    names += key + ", ";
  }
  if (!complete) bad_container(what, fmt::format("corrupt header: missing {}data_size or tensors", names));
  c.data_size = c.header["data_size"].get<uint64_t>();
  const uint64_t data_start = kFixedPrefix + header_size;
  if (c.data_size > (static_cast<uint64_t>(1) << 40)) bad_container(what, "corrupt header: absurd data_size");
  const uint64_t expected = data_start + c.data_size + 4;
  if (n < expected) bad_container(what, fmt::format("truncated: {} bytes, expected {}", n, expected));
  if (n > expected) bad_container(what, fmt::format("{} unexpected bytes after the end of the model", n - expected));
  const uint32_t stored_crc = get_u32(p + n - 4);
  const uint32_t actual_crc = crc32(p, n - 4);
  if (stored_crc != actual_crc) {
    bad_container(what, fmt::format("checksum mismatch (stored {:08x}, computed {:08x}): the file is corrupt",
                                    stored_crc, actual_crc));
  }
  c.data = p + data_start;
  return c;
}

void load_tensors(const TensorContainer& c, const NamedTensors& into, const std::string& what,
                  const std::vector<std::string>& absent_as_zero) {
  std::map<std::string, const nlohmann::json*> entries;
  for (const auto& e : c.header["tensors"]) {
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) {
      bad_container(what, "corrupt tensor table entry");
    }
    entries[e["name"].get<std::string>()] = &e;
  }
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  try {
    for (auto& [name, tensor] : into) {
      auto it = entries.find(name);
      if (it == entries.end() &&
          std::find(absent_as_zero.begin(), absent_as_zero.end(), name) != absent_as_zero.end()) {
        tensor.zero_();
        continue;
      }
      if (it == entries.end()) bad_container(what, fmt::format("tensor '{}' is missing", name));
      const auto& e = *it->second;
      used.insert(name);
      torch::Dtype dtype;
      int64_t element = 0;
      const std::string dt = e.value("dtype", "");
      if (dt == "f32") dtype = torch::kFloat, element = 4;
      else if (dt == "f16") dtype = torch::kHalf, element = 2;
      else if (dt == "bf16") dtype = torch::kBFloat16, element = 2;
      else bad_container(what, fmt::format("tensor '{}' has unsupported dtype '{}'", name, dt));
      std::vector<int64_t> shape;
      try {
        shape = e.at("shape").get<std::vector<int64_t>>();
      } catch (const nlohmann::json::exception&) {
        bad_container(what, fmt::format("tensor '{}' has a malformed shape", name));
      }
      if (shape != tensor.sizes().vec()) {
        bad_container(what, fmt::format("tensor '{}' has shape {} but the model config needs {}", name,
                                        nlohmann::json(shape).dump(), nlohmann::json(tensor.sizes().vec()).dump()));
      }
      if (!e.contains("offset") || !e["offset"].is_number_unsigned() || !e.contains("size") ||
          !e["size"].is_number_unsigned()) {
        bad_container(what, fmt::format("tensor '{}' has no valid offset/size", name));
      }
      const uint64_t off = e["offset"].get<uint64_t>();
      const uint64_t size = e["size"].get<uint64_t>();
      if (size != static_cast<uint64_t>(tensor.numel() * element)) {
        bad_container(what, fmt::format("tensor '{}' has {} bytes, expected {}", name, size, tensor.numel() * element));
      }
      if (off > c.data_size || size > c.data_size - off) {
        bad_container(what, fmt::format("tensor '{}' lies outside the data section", name));
      }
      auto src = torch::from_blob(const_cast<unsigned char*>(c.data + off), shape,
                                  torch::TensorOptions().dtype(dtype));
      tensor.copy_(src.to(tensor.scalar_type()));
    }
  } catch (const nlohmann::json::exception& e) {
    bad_container(what, fmt::format("corrupt tensor table: {}", e.what()));
  }
  for (const auto& [name, e] : entries) {
    if (!used.count(name)) bad_container(what, fmt::format("unexpected tensor '{}' (does the model config match?)", name));
  }
}

}  // namespace detail
}  // namespace emopiano
