// Numbered output files of the commands that write several pieces.
#include "cli/output_path.hpp"

#include <fmt/core.h>

namespace emopiano::cli {

std::filesystem::path numbered_path(const std::filesystem::path& base, int index, int count) {
  if (count == 1) return base;
  std::filesystem::path p = base;
  p.replace_filename(fmt::format("{}-{}{}", base.stem().string(), index + 1, base.extension().string()));
  return p;
}

}  // namespace emopiano::cli
