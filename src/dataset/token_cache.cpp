#include "dataset/token_cache.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include <fmt/core.h>

#include "core/atomic_file.hpp"
#include "dataset/stable_hash.hpp"
#include "emopiano/error.hpp"
#include "emopiano/version.hpp"

namespace emopiano::detail {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[4] = {'E', 'P', 'T', 'K'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderSize = 4 + 4 + 8 + 8;
constexpr size_t kTrailerSize = 8;

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint32_t get_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}
uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

TokenCache::TokenCache(fs::path dir) : dir_(std::move(dir)) {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_, ec))
    throw Error(ErrorCode::io, fmt::format("cannot create token cache folder '{}': {}", dir_.string(),
                                           ec ? ec.message() : "not a folder"));
}

uint64_t TokenCache::key(std::string_view tokenizer_json, const MidiReadOptions& midi, Quadrant label,
                         const uint8_t* file_bytes, size_t file_size, int beat_tracker_version) {
  uint64_t h = kFnv64Offset;
  // The library version stands in for the tokenizer code: a new release may
  // tokenize the same file differently.
  h = fnv1a64_field(version_string(), h);
  h = fnv1a64_field(tokenizer_json, h);
  h = fnv1a64_field(fmt::format("beat tracker {}", beat_tracker_version), h);
  const char flags[3] = {static_cast<char>(midi.apply_sustain_pedal), static_cast<char>(midi.exclude_drums),
                         static_cast<char>('1' + static_cast<int>(label))};
  h = fnv1a64_field(std::string_view(flags, sizeof flags), h);
  return fnv1a64_field(std::string_view(reinterpret_cast<const char*>(file_bytes), file_size), h);
}

fs::path TokenCache::entry_path(uint64_t key) const { return dir_ / fmt::format("{:016x}.tok", key); }

std::optional<std::vector<int32_t>> TokenCache::load(uint64_t key) const {
  if (!enabled()) return std::nullopt;
  std::ifstream in(entry_path(key), std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < kHeaderSize + kTrailerSize) return std::nullopt;
  const uint8_t* p = bytes.data();
  if (!std::equal(kMagic, kMagic + 4, p)) return std::nullopt;
  if (get_u32(p + 4) != kFormatVersion || get_u64(p + 8) != key) return std::nullopt;
  uint64_t count = get_u64(p + 16);
  if (count > (bytes.size() - kHeaderSize - kTrailerSize) / 4 || bytes.size() != kHeaderSize + count * 4 + kTrailerSize)
    return std::nullopt;
  const uint8_t* ids = p + kHeaderSize;
  if (fnv1a64(ids, count * 4) != get_u64(ids + count * 4)) return std::nullopt;
  std::vector<int32_t> out(count);
  for (uint64_t i = 0; i < count; ++i) out[i] = static_cast<int32_t>(get_u32(ids + 4 * i));
  return out;
}

bool TokenCache::store(uint64_t key, const std::vector<int32_t>& ids) const {
  if (!enabled()) return false;
  std::vector<uint8_t> bytes(kMagic, kMagic + 4);
  bytes.reserve(kHeaderSize + ids.size() * 4 + kTrailerSize);
  put_u32(bytes, kFormatVersion);
  put_u64(bytes, key);
  put_u64(bytes, ids.size());
  for (int32_t id : ids) put_u32(bytes, static_cast<uint32_t>(id));
  put_u64(bytes, fnv1a64(bytes.data() + kHeaderSize, ids.size() * 4));

  // Readers see either no entry or a whole one. No fsync: a lost entry is rebuilt.
  try {
    write_file_atomically(entry_path(key), std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                          /*sync=*/false);
  } catch (const Error&) {
    return false;
  }
  return true;
}

fs::path default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "emopiano";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "emopiano";
  return {};
}

}  // namespace emopiano::detail
