// The on-disk cache of token arrays. Tokenizing all of EMOPIA means parsing a
// thousand MIDI files; with the cache a second load only reads small binary
// files. An entry is named by a hash of everything that determines its tokens,
// so a changed file, label, tokenizer config or reader option is simply a miss.
//
// Entry file <dir>/<key as 16 hex digits>.tok, little-endian:
//   magic "EPTK" | u32 format version | u64 key | u64 count | count x i32 | u64 FNV-1a of the ids
// Every field is checked on read; an entry that fails any check is ignored
// (and overwritten by the next store), never trusted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "emopiano/beats.hpp"
#include "emopiano/emotion.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::detail {

class TokenCache {
 public:
  // An empty dir disables the cache. Creates the folder; throws Error(io)
  // naming it when that fails.
  explicit TokenCache(std::filesystem::path dir);

  bool enabled() const noexcept { return !dir_.empty(); }
  const std::filesystem::path& dir() const noexcept { return dir_; }

  // Hash of what the tokens of one file depend on. The beat tracker's version
  // is part of it: a tokenizer config with a tracked grid encodes the same
  // file differently when the tracker changes.
  static uint64_t key(std::string_view tokenizer_json, const MidiReadOptions& midi, Quadrant label,
                      const uint8_t* file_bytes, size_t file_size, int beat_tracker_version = kBeatTrackerVersion);

  std::filesystem::path entry_path(uint64_t key) const;
  // The cached ids, or nullopt when missing, unreadable or corrupt.
  std::optional<std::vector<int32_t>> load(uint64_t key) const;
  // Writes atomically (temporary file + rename). Returns false when the entry
  // could not be written; the cache is an optimisation, so callers go on.
  bool store(uint64_t key, const std::vector<int32_t>& ids) const;

 private:
  std::filesystem::path dir_;
};

// $XDG_CACHE_HOME/emopiano, else $HOME/.cache/emopiano, else empty.
std::filesystem::path default_cache_dir();

}  // namespace emopiano::detail
