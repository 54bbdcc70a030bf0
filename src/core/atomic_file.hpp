// Writing a file so that readers see either the old file or the complete new
// one, never a partial write: write a temporary file beside the target, flush
// it, then rename it over the target (atomic within one file system).
#pragma once

#include <filesystem>
#include <string_view>

namespace emopiano::detail {

// Throws Error(io) naming the path; the temporary file is removed on failure.
// With `sync`, the data reach the disk before the rename, so a crash cannot
// leave an empty file under the final name; caches that can be rebuilt skip it.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           bool sync = true);

// Reads a whole file. Throws Error(io) naming the path.
std::string read_file_bytes(const std::filesystem::path& path);

}  // namespace emopiano::detail
