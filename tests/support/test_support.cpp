#include "support/test_support.hpp"

#include <cstdlib>
#include <random>
#include <system_error>
#include <vector>

namespace emopiano::test {

std::filesystem::path emopia_dir() {
  if (const char* env = std::getenv("EMOPIANO_EMOPIA_DIR")) return env;
  return EMOPIANO_TEST_DATA_DIR;
}

std::filesystem::path emopia_midis() {
  auto p = emopia_dir() / "EMOPIA_1.0" / "midis";
  std::error_code ec;
  return std::filesystem::is_directory(p, ec) ? p : std::filesystem::path();
}

namespace {
struct TempDirs {
  std::vector<std::filesystem::path> dirs;
  ~TempDirs() {
    std::error_code ec;
    for (auto& d : dirs) std::filesystem::remove_all(d, ec);
  }
};
TempDirs& temp_dirs() {
  static TempDirs t;
  return t;
}
}  // namespace

std::filesystem::path temp_dir(const std::string& tag) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() /
             ("emopiano-test-" + tag + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  temp_dirs().dirs.push_back(dir);
  return dir;
}

}  // namespace emopiano::test
