// A 64-bit FNV-1a hash: the same value on every build, platform and run
// (std::hash promises none of that), so it can name cache files and draw
// dataset splits that never move.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace emopiano::detail {

constexpr uint64_t kFnv64Offset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnv64Prime = 0x100000001b3ULL;

inline uint64_t fnv1a64(const void* data, size_t size, uint64_t hash = kFnv64Offset) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    hash ^= p[i];
    hash *= kFnv64Prime;
  }
  return hash;
}

inline uint64_t fnv1a64(std::string_view text, uint64_t hash = kFnv64Offset) noexcept {
  return fnv1a64(text.data(), text.size(), hash);
}

// FNV-1a mixes its last bytes only into the low bits; this finaliser
// (MurmurHash3 fmix64) spreads every input bit over all 64 before the top bits
// are used as a uniform number.
constexpr uint64_t mix64(uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Feeds a length before the bytes so that ("ab","c") and ("a","bc") differ.
inline uint64_t fnv1a64_field(std::string_view text, uint64_t hash) noexcept {
  uint64_t n = text.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
  return fnv1a64(text, fnv1a64(len, 8, hash));
}

}  // namespace emopiano::detail
