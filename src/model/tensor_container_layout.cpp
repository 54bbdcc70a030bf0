// The weight-file container as bytes (layout in tensor_container_layout.hpp).
#include "model/tensor_container_layout.hpp"

#include <array>
#include <cstring>
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
constexpr uint64_t kAlignment = 64;
// Far above any model we train; keeps every size sum below 2^64.
constexpr uint64_t kMaxDataSize = static_cast<uint64_t>(1) << 40;
// Our headers nest 4 levels; a deep one would only overflow the stack of the
// recursive JSON code that later reads it (dump, comparisons).
constexpr int kMaxHeaderDepth = 32;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t get_u32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}
uint64_t get_u64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

bool parse_dtype(const std::string& name, StoredDtype& out) {
  for (StoredDtype d : {StoredDtype::f32, StoredDtype::f16, StoredDtype::bf16}) {
    if (name == stored_dtype_name(d)) {
      out = d;
      return true;
    }
  }
  return false;
}

// Elements of `shape`, or false when a dimension is negative or the count
// exceeds `limit` (checked before each product, so nothing overflows).
bool element_count(const std::vector<int64_t>& shape, uint64_t limit, uint64_t& count) {
  count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) return false;
    if (dim == 0) {
      count = 0;
      continue;
    }
    if (count > limit / static_cast<uint64_t>(dim)) return false;
    count *= static_cast<uint64_t>(dim);
  }
  return true;
}

StoredTensor read_table_entry(const nlohmann::json& e, uint64_t data_size, const std::string& what) {
  if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) {
    bad_container(what, "corrupt tensor table entry");
  }
  StoredTensor t;
  t.name = e["name"].get<std::string>();
  const auto dtype = e.find("dtype");
  const std::string dtype_text = dtype != e.end() && dtype->is_string() ? dtype->get<std::string>() : "";
  if (!parse_dtype(dtype_text, t.dtype)) {
    bad_container(what, fmt::format("tensor '{}' has unsupported dtype '{}'", t.name, dtype_text));
  }
  const auto shape = e.find("shape");
  bool shape_ok = shape != e.end() && shape->is_array() && shape->size() <= 8;
  if (shape_ok) {
    for (const auto& dim : *shape) shape_ok = shape_ok && dim.is_number_integer();
  }
  if (shape_ok) t.shape = shape->get<std::vector<int64_t>>();
  uint64_t elements = 0;
  if (!shape_ok || !element_count(t.shape, data_size, elements)) {
    bad_container(what, fmt::format("tensor '{}' has a malformed shape", t.name));
  }
  if (!e.contains("offset") || !e["offset"].is_number_unsigned() || !e.contains("size") ||
      !e["size"].is_number_unsigned()) {
    bad_container(what, fmt::format("tensor '{}' has no valid offset/size", t.name));
  }
  t.offset = e["offset"].get<uint64_t>();
  t.size = e["size"].get<uint64_t>();
  if (t.offset > data_size || t.size > data_size - t.offset) {
    bad_container(what, fmt::format("tensor '{}' lies outside the data section", t.name));
  }
  // elements <= data_size <= 2^40, so this product cannot overflow.
  if (t.size != elements * stored_dtype_bytes(t.dtype)) {
    bad_container(what, fmt::format("tensor '{}' has {} bytes, but its shape and dtype need {}", t.name, t.size,
                                    elements * stored_dtype_bytes(t.dtype)));
  }
  return t;
}

nlohmann::json parse_header(const std::string& bytes, size_t size, const std::string& what) {
  bool too_deep = false;
  const nlohmann::json::parser_callback_t limit_depth = [&too_deep](int depth, nlohmann::json::parse_event_t,
                                                                    nlohmann::json&) {
    if (depth > kMaxHeaderDepth) too_deep = true;
    return !too_deep;
  };
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + kFixedPrefix, bytes.begin() + kFixedPrefix + size, limit_depth);
  } catch (const nlohmann::json::exception& e) {
    bad_container(what, fmt::format("corrupt header: {}", e.what()));
  }
  if (too_deep) bad_container(what, fmt::format("corrupt header: nested deeper than {} levels", kMaxHeaderDepth));
  return header;
}

}  // namespace

const char* stored_dtype_name(StoredDtype dtype) {
  switch (dtype) {
    case StoredDtype::f16: return "f16";
    case StoredDtype::bf16: return "bf16";
    default: return "f32";
  }
}

uint64_t stored_dtype_bytes(StoredDtype dtype) { return dtype == StoredDtype::f32 ? 4 : 2; }

uint64_t transformer_block_values(uint64_t layers, uint64_t d_model, uint64_t d_ff, uint64_t kv_width) {
  const uint64_t d = d_model, qkv = d + 2 * (kv_width > 0 ? kv_width : d);
  const uint64_t per_layer = 2 * 2 * d + (d * qkv + qkv) + (d * d + d) + (d * d_ff + d_ff) + (d_ff * d + d);
  return layers * per_layer;
}

void check_config_fits_data(const TensorContainer& c, uint64_t min_values, const std::string& what) {
  const uint64_t min_bytes = min_values * stored_dtype_bytes(StoredDtype::bf16);
  if (min_bytes > c.data_size) {
    bad_container(what, fmt::format("its config needs at least {} bytes of weights, but the file holds {}: "
                                    "the config does not match the data",
                                    min_bytes, c.data_size));
  }
}

void bad_container(const std::string& what, const std::string& why) {
  throw Error(ErrorCode::format, fmt::format("{}: {}", what, why));
}

std::string build_tensor_container(nlohmann::json header, const std::vector<TensorBytes>& tensors) {
  nlohmann::json table = nlohmann::json::array();
  std::vector<uint64_t> offsets;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    uint64_t elements = 0;
    if (!element_count(t.shape, kMaxDataSize, elements)) {
      throw Error(ErrorCode::invalid_argument, fmt::format("tensor '{}' is too large to store", t.name));
    }
    const uint64_t size = elements * stored_dtype_bytes(t.dtype);
    offset = (offset + kAlignment - 1) / kAlignment * kAlignment;
    table.push_back({{"name", t.name},
                     {"dtype", stored_dtype_name(t.dtype)},
                     {"shape", t.shape},
                     {"offset", offset},
                     {"size", size}});
    offsets.push_back(offset);
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
  for (size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t size = table[i]["size"].get<uint64_t>();
    if (size > 0) std::memcpy(&out[data_start + offsets[i]], tensors[i].bytes, size);
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
                fmt::format("{}: model file version {} is newer than this library supports ({})", what, version,
                            kModelFileVersion));
  }
  if (version == 0) bad_container(what, "invalid format version 0");
  const uint64_t header_size = get_u64(p + 12);
  if (header_size > n - kFixedPrefix) {
    bad_container(what,
                  fmt::format("truncated: header of {} bytes but only {} bytes follow", header_size, n - kFixedPrefix));
  }
  TensorContainer c;
  c.header = parse_header(bytes, header_size, what);
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
  if (c.data_size > kMaxDataSize) bad_container(what, "corrupt header: absurd data_size");
  const uint64_t expected = data_start + c.data_size + 4;
  if (n < expected) bad_container(what, fmt::format("truncated: {} bytes, expected {}", n, expected));
  if (n > expected) bad_container(what, fmt::format("{} unexpected bytes after the end of the model", n - expected));
  const uint32_t stored_crc = get_u32(p + n - 4);
  const uint32_t actual_crc = crc32(p, n - 4);
  if (stored_crc != actual_crc) {
    bad_container(what, fmt::format("checksum mismatch (stored {:08x}, computed {:08x}): the file is corrupt",
                                    stored_crc, actual_crc));
  }
  std::set<std::string> names_seen;
  for (const auto& entry : c.header["tensors"]) {
    StoredTensor t = read_table_entry(entry, c.data_size, what);
    if (!names_seen.insert(t.name).second) bad_container(what, fmt::format("tensor '{}' is stored twice", t.name));
    c.tensors.push_back(std::move(t));
  }
  c.data = p + data_start;
  return c;
}

}  // namespace detail
}  // namespace emopiano
