// Writing a file so that readers see either the old file or the complete new
// one, never a partial write: write a temporary file beside the target, flush
// it, then rename it over the target (atomic within one file system).
#pragma once

#include <filesystem>
#include <string_view>

namespace emopiano::detail {

// Throws Error(io) naming the path; the temporary file is removed on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// Reads a whole file. Throws Error(io) naming the path.
std::string read_file_bytes(const std::filesystem::path& path);

}  // namespace emopiano::detail
