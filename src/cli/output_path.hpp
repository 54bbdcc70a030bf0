// Where a command writes piece i of n: OUT.mid for one, OUT-1.mid .. OUT-n.mid for several.
#pragma once

#include <filesystem>

namespace emopiano::cli {

std::filesystem::path numbered_path(const std::filesystem::path& base, int index, int count);

}  // namespace emopiano::cli
