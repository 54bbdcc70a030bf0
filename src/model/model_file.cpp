// The model file: a small container of our own, so that truncation, version
// and corruption are detected before LibTorch sees a byte.
//
//   offset 0        "EMOPIANO"                      8 bytes magic
//   offset 8        format version                  u32 little-endian
//   offset 12       header length H                 u64 little-endian
//   offset 20       header                          H bytes of UTF-8 JSON
//   offset 20+H     tensor data                     data_size bytes (from the header)
//   end - 4         CRC-32 of every byte before it  u32 little-endian
//
// Header: {"model": ModelConfig, "tokenizer": TokenizerConfig, "metadata": {...},
// "library_version": "...", "data_size": N, "tensors": [{"name", "dtype"
// ("f32" | "f16" | "bf16"), "shape", "offset" (from the data start, 64-byte
// aligned), "size"}]}. Tensor bytes are little-endian, row-major.
#include <nlohmann/json.hpp>

#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <system_error>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "emopiano/version.hpp"
#include "model/model_file_format.hpp"
#include "model/model_impl.hpp"

namespace emopiano {

namespace {

constexpr size_t kFixedPrefix = 8 + 4 + 8;
constexpr size_t kAlignment = 64;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
uint32_t get_u32(const unsigned char* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
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

// Every tensor the network holds, by its module path ("blocks.0.qkv.weight").
std::vector<std::pair<std::string, torch::Tensor>> named_tensors(EmotionTransformerImpl& net) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& p : net.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (auto& b : net.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

[[noreturn]] void bad_file(const std::filesystem::path& path, const std::string& why) {
  throw Error(ErrorCode::format, fmt::format("model file {}: {}", path.string(), why));
}

}  // namespace

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

std::string serialize_model(const Model& model, WeightStorage storage) {
  auto& impl = model.impl();
  torch::NoGradGuard no_grad;
  nlohmann::json table = nlohmann::json::array();
  std::vector<torch::Tensor> stored;
  uint64_t offset = 0;
  for (auto& [name, tensor] : named_tensors(*impl.net)) {
    auto t = tensor.detach().to(torch::kCPU).to(torch_dtype(storage)).contiguous();
    const uint64_t size = uint64_t(t.numel()) * t.element_size();
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
  nlohmann::json header = {
      {"model", nlohmann::json::parse(impl.config.to_json())},
      {"tokenizer", nlohmann::json::parse(impl.tokenizer->config().to_json())},
      {"metadata", nlohmann::json::parse(impl.metadata_json)},
      {"library_version", version_string()},
      {"data_size", data_size},
      {"tensors", table},
  };
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

Model deserialize_model(const std::string& bytes, const std::filesystem::path& path) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  if (n < 8 || std::memcmp(p, kModelFileMagic, 8) != 0) {
    if (n < 8 && std::memcmp(p, kModelFileMagic, n) == 0) {
      bad_file(path, fmt::format("truncated: {} bytes, too short for the header", n));
    }
    bad_file(path, "not an emopiano model (wrong magic bytes)");
  }
  if (n < kFixedPrefix) bad_file(path, fmt::format("truncated: {} bytes, too short for the header", n));
  const uint32_t version = get_u32(p + 8);
  if (version > kModelFileVersion) {
    throw Error(ErrorCode::unsupported,
                fmt::format("model file {}: model file version {} is newer than this library supports ({})",
                            path.string(), version, kModelFileVersion));
  }
  if (version == 0) bad_file(path, "invalid format version 0");
  const uint64_t header_size = get_u64(p + 12);
  if (header_size > n - kFixedPrefix) {
    bad_file(path, fmt::format("truncated: header of {} bytes but only {} bytes follow", header_size,
                               n - kFixedPrefix));
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + kFixedPrefix,
                                   bytes.begin() + kFixedPrefix + header_size);
  } catch (const nlohmann::json::exception& e) {
    bad_file(path, fmt::format("corrupt header: {}", e.what()));
  }
  if (!header.is_object() || !header.contains("data_size") || !header["data_size"].is_number_unsigned() ||
      !header.contains("tensors") || !header["tensors"].is_array() || !header.contains("model") ||
      !header.contains("tokenizer")) {
    bad_file(path, "corrupt header: missing model, tokenizer, data_size or tensors");
  }
  const uint64_t data_size = header["data_size"].get<uint64_t>();
  const uint64_t data_start = kFixedPrefix + header_size;
  if (data_size > (uint64_t(1) << 40)) bad_file(path, "corrupt header: absurd data_size");
  const uint64_t expected = data_start + data_size + 4;
  if (n < expected) {
    bad_file(path, fmt::format("truncated: {} bytes, expected {}", n, expected));
  }
  if (n > expected) {
    bad_file(path, fmt::format("{} unexpected bytes after the end of the model", n - expected));
  }
  const uint32_t stored_crc = get_u32(p + n - 4);
  const uint32_t actual_crc = crc32(p, n - 4);
  if (stored_crc != actual_crc) {
    bad_file(path, fmt::format("checksum mismatch (stored {:08x}, computed {:08x}): the file is corrupt",
                               stored_crc, actual_crc));
  }

  ModelConfig config;
  TokenizerConfig tok_config;
  try {
    config = ModelConfig::from_json(header["model"].dump());
    tok_config = TokenizerConfig::from_json(header["tokenizer"].dump());
  } catch (const Error& e) {
    bad_file(path, e.what());
  }
  Model model = Model::create(config, tok_config, 0);
  auto& impl = model.impl();
  if (header.contains("metadata") && header["metadata"].is_object()) {
    impl.metadata_json = header["metadata"].dump();
  }

  std::map<std::string, const nlohmann::json*> entries;
  for (const auto& e : header["tensors"]) {
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) {
      bad_file(path, "corrupt tensor table entry");
    }
    entries[e["name"].get<std::string>()] = &e;
  }
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  try {
  for (auto& [name, tensor] : named_tensors(*impl.net)) {
    auto it = entries.find(name);
    if (it == entries.end()) bad_file(path, fmt::format("tensor '{}' is missing", name));
    const auto& e = *it->second;
    used.insert(name);
    torch::Dtype dtype;
    int64_t element = 0;
    const std::string dt = e.value("dtype", "");
    if (dt == "f32") dtype = torch::kFloat, element = 4;
    else if (dt == "f16") dtype = torch::kHalf, element = 2;
    else if (dt == "bf16") dtype = torch::kBFloat16, element = 2;
    else bad_file(path, fmt::format("tensor '{}' has unsupported dtype '{}'", name, dt));
    std::vector<int64_t> shape;
    try {
      shape = e.at("shape").get<std::vector<int64_t>>();
    } catch (const nlohmann::json::exception&) {
      bad_file(path, fmt::format("tensor '{}' has a malformed shape", name));
    }
    if (shape != tensor.sizes().vec()) {
      bad_file(path, fmt::format("tensor '{}' has shape {} but the model config needs {}", name,
                                 nlohmann::json(shape).dump(), nlohmann::json(tensor.sizes().vec()).dump()));
    }
    if (!e.contains("offset") || !e["offset"].is_number_unsigned() || !e.contains("size") ||
        !e["size"].is_number_unsigned()) {
      bad_file(path, fmt::format("tensor '{}' has no valid offset/size", name));
    }
    const uint64_t off = e["offset"].get<uint64_t>();
    const uint64_t size = e["size"].get<uint64_t>();
    if (size != uint64_t(tensor.numel() * element)) {
      bad_file(path, fmt::format("tensor '{}' has {} bytes, expected {}", name, size, tensor.numel() * element));
    }
    if (off > data_size || size > data_size - off) {
      bad_file(path, fmt::format("tensor '{}' lies outside the data section", name));
    }
    auto src = torch::from_blob(const_cast<unsigned char*>(p + data_start + off), shape,
                                torch::TensorOptions().dtype(dtype));
    tensor.copy_(src.to(torch::kFloat));
  }
  } catch (const nlohmann::json::exception& e) {
    bad_file(path, fmt::format("corrupt tensor table: {}", e.what()));
  }
  for (const auto& [name, e] : entries) {
    if (!used.count(name)) bad_file(path, fmt::format("unexpected tensor '{}' (does the model config match?)", name));
  }
  impl.net->eval();
  return model;
}

void Model::save(const std::filesystem::path& path) const { save(path, WeightStorage::f32); }

void Model::save(const std::filesystem::path& path, WeightStorage storage) const {
  const std::string bytes = serialize_model(*this, storage);
  // Write beside the target and rename, so a failure never leaves half a model.
  std::random_device rd;
  auto tmp = path;
  tmp += fmt::format(".tmp{:08x}", rd());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(ErrorCode::io, fmt::format("cannot write model file {}", tmp.string()));
    out.write(bytes.data(), std::streamsize(bytes.size()));
    out.flush();
    if (!out) {
      out.close();
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw Error(ErrorCode::io, fmt::format("cannot write model file {} (disk full?)", tmp.string()));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(ErrorCode::io, fmt::format("cannot rename {} to {}: {}", tmp.string(), path.string(), ec.message()));
  }
}

Model Model::load(const std::filesystem::path& path) {
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
  return deserialize_model(bytes, path);
}

}  // namespace emopiano
