// Numbered output files of the commands that write several pieces.
#include "cli/output_path.hpp"

#include <system_error>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::cli {

std::filesystem::path numbered_path(const std::filesystem::path& base, int index, int count) {
  if (count == 1) return base;
  std::filesystem::path p = base;
  p.replace_filename(fmt::format("{}-{}{}", base.stem().string(), index + 1, base.extension().string()));
  return p;
}

void create_output_folder(const std::filesystem::path& path) {
  const std::filesystem::path folder = path.parent_path();
  if (folder.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec || !std::filesystem::is_directory(folder))
    throw Error(ErrorCode::io, fmt::format("cannot create the folder {} for {}: {}", folder.string(),
                                           path.filename().string(), ec ? ec.message() : "not a folder"));
}

}  // namespace emopiano::cli
