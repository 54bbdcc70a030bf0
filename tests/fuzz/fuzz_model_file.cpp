// libFuzzer target for the model-file loader, as far as it goes without
// LibTorch: the container (magic, version, JSON header, tensor table,
// offsets, CRC-32) and the generator's configs (read_model_file).
//
// What must hold: every input is read or refused with emopiano::Error of
// code format or unsupported (never another exception, a crash, a read
// outside the input or undefined behaviour); what is read has every tensor
// inside the data section, sized by its shape and dtype, under a unique name;
// and (for an eighth of the inputs) writing it again with
// build_tensor_container reads back the same.
//
// A random input almost never carries a correct CRC-32, so mutations alone
// would test the checksum and nothing behind it. The custom mutator below
// mutates the header text, the tensor table (numbers that matter: offsets,
// sizes, shapes, dtypes, data_size) or the data, then re-seals the file:
// header length, data_size and CRC are fixed up, except in one mutation in
// sixteen, so the length and checksum checks keep being tried too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "emopiano/error.hpp"
#include "model/model_file_format.hpp"
#include "model/model_file_header.hpp"
#include "model/tensor_container_layout.hpp"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

using emopiano::Error;
using emopiano::ErrorCode;
namespace d = emopiano::detail;

constexpr size_t kPrefix = 20;  // magic, version, header length

[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "invariant broken: %s\n", what.c_str());
  std::abort();
}

void expect_refusal(const Error& e) {
  if (e.code() != ErrorCode::format && e.code() != ErrorCode::unsupported) {
    broken(std::string("refused with an unexpected code: ") + e.what());
  }
  if (std::string(e.what()).find("fuzz.pt") == std::string::npos) {
    broken(std::string("error does not name the file: ") + e.what());
  }
}

// Every stored byte is read (so ASan sees a tensor that reaches past the
// input) and the table's promises are checked.
uint64_t check_tensors(const d::TensorContainer& c) {
  std::set<std::string> names;
  uint64_t sum = 0;
  for (const auto& t : c.tensors) {
    if (!names.insert(t.name).second) broken("duplicate tensor name " + t.name);
    if (t.offset > c.data_size || t.size > c.data_size - t.offset) broken("tensor outside the data: " + t.name);
    uint64_t elements = 1;
    for (int64_t dim : t.shape) {
      if (dim < 0) broken("negative dimension: " + t.name);
      elements *= static_cast<uint64_t>(dim);
    }
    if (t.size != elements * d::stored_dtype_bytes(t.dtype)) broken("size does not match the shape: " + t.name);
    for (uint64_t i = 0; i < t.size; ++i) sum += c.data[t.offset + i];
  }
  return sum;
}

// Writes what was read and reads it again: same header keys, same tensors.
void check_round_trip(const d::TensorContainer& c) {
  nlohmann::json header = c.header;
  for (const char* key : {"library_version", "data_size", "tensors"}) header.erase(key);
  std::vector<d::TensorBytes> tensors;
  for (const auto& t : c.tensors) tensors.push_back({t.name, t.dtype, t.shape, c.data + t.offset});
  const std::string again = d::build_tensor_container(header, tensors);
  d::TensorContainer back;
  try {
    back = d::read_tensor_container(again, "fuzz.pt rewritten", {});
  } catch (const Error& e) {
    broken(std::string("a container written from a read one does not read: ") + e.what());
  }
  if (back.tensors.size() != c.tensors.size()) broken("round trip changed the tensor count");
  for (size_t i = 0; i < c.tensors.size(); ++i) {
    const auto &a = c.tensors[i], &b = back.tensors[i];
    if (a.name != b.name || a.dtype != b.dtype || a.shape != b.shape || a.size != b.size ||
        (a.size > 0 && std::memcmp(c.data + a.offset, back.data + b.offset, a.size) != 0)) {
      broken("round trip changed tensor " + a.name);
    }
  }
  // Compared as text: a number too large for a double reads as infinity and
  // is written as null, both times.
  for (const auto& [key, value] : header.items()) {
    if (back.header[key].dump() != value.dump()) broken("round trip changed header key " + key);
  }
}

uint32_t get_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}
uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// Bytes mutated in place by libFuzzer within `max` bytes.
std::string mutate_bytes(std::string bytes, size_t max) {
  const size_t size = bytes.size();
  bytes.resize(std::max(max, size));
  bytes.resize(LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(bytes.data()), size, bytes.size()));
  return bytes;
}

// A value that trips bounds and size checks more often than a random one.
nlohmann::json interesting_number(std::minstd_rand& rng, uint64_t data_size) {
  const uint64_t choices[] = {0,
                              1,
                              2,
                              63,
                              64,
                              65,
                              data_size,
                              data_size - 1,
                              data_size + 1,
                              data_size / 2,
                              static_cast<uint64_t>(1) << 31,
                              static_cast<uint64_t>(1) << 32,
                              static_cast<uint64_t>(1) << 40,
                              static_cast<uint64_t>(1) << 62,
                              UINT64_MAX,
                              UINT64_MAX / 4 + 1};
  const size_t pick = rng() % (sizeof choices / sizeof *choices + 2);
  if (pick == sizeof choices / sizeof *choices) return -static_cast<int64_t>(rng() % 3 + 1);
  if (pick == sizeof choices / sizeof *choices + 1) return 1.5;
  return choices[pick];
}

// Changes one thing in the tensor table or data_size.
void mutate_table(nlohmann::json& header, std::minstd_rand& rng) {
  const uint64_t data_size = header["data_size"].is_number_unsigned() ? header["data_size"].get<uint64_t>() : 0;
  auto& table = header["tensors"];
  if (!table.is_array() || table.empty() || rng() % 8 == 0) {
    header["data_size"] = interesting_number(rng, data_size);
    return;
  }
  auto& entry = table[rng() % table.size()];
  if (!entry.is_object()) return;
  switch (rng() % 7) {
    case 0: entry["offset"] = interesting_number(rng, data_size); break;
    case 1: entry["size"] = interesting_number(rng, data_size); break;
    case 2: entry["dtype"] = std::vector<const char*>{"f32", "f16", "bf16", "f64", ""}[rng() % 5]; break;
    case 3:
      if (entry["shape"].is_array() && !entry["shape"].empty()) {
        entry["shape"][rng() % entry["shape"].size()] = interesting_number(rng, data_size);
      } else {
        entry["shape"] = nlohmann::json::array({interesting_number(rng, data_size)});
      }
      break;
    case 4:
      if (entry["shape"].is_array() || entry["shape"].is_null()) entry["shape"].push_back(rng() % 3);
      break;
    case 5: table.push_back(entry); break;  // the same name twice
    default: entry.erase(std::vector<const char*>{"name", "dtype", "shape", "offset", "size"}[rng() % 5]); break;
  }
}

// The header as JSON, or a discarded value when it is not JSON or nests too
// deep for the recursive dump() (the library refuses those headers too).
nlohmann::json parse_shallow(const std::string& header) {
  bool too_deep = false;
  auto json = nlohmann::json::parse(
      header,
      [&too_deep](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        too_deep = too_deep || depth > 32;
        return !too_deep;
      },
      false);
  return too_deep ? nlohmann::json(nlohmann::json::value_t::discarded) : json;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  // The generator's reader first; when it refuses a file, the container
  // alone may still read (a classifier's or VAE's file, or a bad config).
  d::TensorContainer container;
  try {
    d::ModelFileContents file = d::read_model_file(bytes, "fuzz.pt");
    file.config.validate();  // read_model_file only returns valid configs
    container = std::move(file.container);
  } catch (const Error& e) {
    expect_refusal(e);
    try {
      container = d::read_tensor_container(bytes, "fuzz.pt", {});
    } catch (const Error& again) {
      expect_refusal(again);
      return 0;
    }
  }
  [[maybe_unused]] static volatile uint64_t sink;
  sink = check_tensors(container);
  // Writing and reading again costs two more parses of the header: done for
  // an eighth of the inputs so the fuzzer stays fast.
  if (data[size / 2] % 8 == 0) check_round_trip(container);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  const bool is_container = size >= kPrefix + 4 && std::memcmp(data, emopiano::kModelFileMagic, 8) == 0 &&
                            get_u64(data + 12) <= size - kPrefix - 4;
  const bool reseal = rng() % 16 != 0;
  std::string out;
  if (!is_container || rng() % 8 == 0) {
    // Anything goes: the raw bytes, with only the checksum fixed up.
    out = mutate_bytes(std::string(reinterpret_cast<char*>(data), size), max_size);
    if (reseal && out.size() >= 4) {
      put_u32(reinterpret_cast<uint8_t*>(out.data()) + out.size() - 4, emopiano::crc32(out.data(), out.size() - 4));
    }
  } else {
    const uint64_t header_size = get_u64(data + 12);
    std::string header(reinterpret_cast<char*>(data) + kPrefix, header_size);
    std::string payload(reinterpret_cast<char*>(data) + kPrefix + header_size, size - kPrefix - header_size - 4);
    const size_t room = max_size > size ? max_size - size : 0;
    switch (rng() % 3) {
      case 0: header = mutate_bytes(header, header.size() + room); break;
      case 1: payload = mutate_bytes(payload, payload.size() + room); break;
      default: {
        auto json = parse_shallow(header);
        if (json.is_object()) {
          mutate_table(json, rng);
          header = json.dump();
        }
      }
    }
    // data_size follows the data, unless the table mutation just set it.
    auto json = parse_shallow(header);
    if (reseal && json.is_object() && json.contains("data_size") && rng() % 4 != 0) {
      json["data_size"] = payload.size();
      header = json.dump();
    }
    out.assign(reinterpret_cast<char*>(data), 12);  // magic and version as they were
    put_u64(out, reseal ? header.size() : header_size);
    out += header;
    out += payload;
    out.append(4, '\0');
    if (reseal) {
      put_u32(reinterpret_cast<uint8_t*>(out.data()) + out.size() - 4, emopiano::crc32(out.data(), out.size() - 4));
    } else {
      std::memcpy(out.data() + out.size() - 4, data + size - 4, 4);
    }
  }
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
