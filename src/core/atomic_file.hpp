// Writing a file so that readers see either the old file or the complete new
// one, never a partial write, and so that it survives a power loss once the
// call returns: write a temporary file beside the target, fsync it, rename it
// over the target (atomic within one file system), then fsync the directory
// so the rename itself is on disk. Every output of the library goes through
// here (models, optimizer state, checkpoints, MIDI, WAV, JSON, SVG).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace emopiano::detail {

// Throws Error(io) naming the path; the temporary file is removed on failure.
// The file gets mode 0666 minus the process umask (0644 under umask 022), like
// any file a program creates. Without `sync` (caches that can be rebuilt) the
// data and the rename are not forced to the disk.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes, bool sync = true);

// Forces a directory's entries (a rename, a new or removed file) to the disk.
// Throws Error(io) naming the directory.
void sync_directory(const std::filesystem::path& dir);

// Reads a whole file. Throws Error(io) naming the path.
std::string read_file_bytes(const std::filesystem::path& path);

}  // namespace emopiano::detail
