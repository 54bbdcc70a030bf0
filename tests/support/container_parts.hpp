// A saved model, VAE or classifier file taken apart (container version, JSON
// header, tensor bytes) and sealed again with a fresh checksum, so tests can
// change the header of a valid file.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <string>

#include "model/model_file_format.hpp"

namespace emopiano::test {

struct ContainerParts {
  uint32_t version = 0;
  nlohmann::json header;
  std::string data;
};

inline ContainerParts split_container(const std::string& bytes) {
  ContainerParts p;
  std::memcpy(&p.version, bytes.data() + 8, 4);
  uint64_t h;
  std::memcpy(&h, bytes.data() + 12, 8);
  p.header = nlohmann::json::parse(bytes.substr(20, h));
  p.data = bytes.substr(20 + h, bytes.size() - 20 - h - 4);
  return p;
}

inline std::string seal_container(const ContainerParts& p) {
  std::string out(kModelFileMagic, 8);
  out.append(reinterpret_cast<const char*>(&p.version), 4);
  const std::string h = p.header.dump();
  const uint64_t n = h.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  out += h;
  out += p.data;
  const uint32_t crc = crc32(out.data(), out.size());
  out.append(reinterpret_cast<const char*>(&crc), 4);
  return out;
}

}  // namespace emopiano::test
