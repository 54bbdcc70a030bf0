// Where a command writes its output: piece i of n (OUT.mid for one,
// OUT-1.mid .. OUT-n.mid for several), and the folder of what a long run
// writes at its end.
#pragma once

#include <filesystem>

namespace emopiano::cli {

std::filesystem::path numbered_path(const std::filesystem::path& base, int index, int count);

// Creates the folder `path` is to be written in, if missing, before a long
// run starts, so that the run does not end unable to write it. Throws
// Error(io) naming the folder when it cannot be made.
void create_output_folder(const std::filesystem::path& path);

}  // namespace emopiano::cli
