// Helpers shared by the test folders: where the real data is, temporary dirs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace emopiano::test {

// The EMOPIA 1.0 folder (EMOPIANO_EMOPIA_DIR overrides the built-in path).
std::filesystem::path emopia_dir();
// emopia_dir()/EMOPIA_1.0/midis, or empty when the data is not there.
std::filesystem::path emopia_midis();
// A fresh empty directory under the system temp dir, removed at exit.
std::filesystem::path temp_dir(const std::string& tag);

// Runs the built `emopiano` program with these arguments and collects its
// exit code, standard output and standard error.
struct ProgramRun {
  int code = -1;
  std::string out, err;
};
ProgramRun run_emopiano(const std::vector<std::string>& args);

}  // namespace emopiano::test

// Skips the current test when the EMOPIA data is missing (never in CI, where
// ../shared/data is always present: EMOPIANO_REQUIRE_DATA=1 turns the skip into a failure).
#define EMOPIANO_NEED_EMOPIA()                                                     \
  do {                                                                             \
    if (::emopiano::test::emopia_midis().empty()) {                                \
      if (std::getenv("EMOPIANO_REQUIRE_DATA")) FAIL() << "EMOPIA data missing";   \
      GTEST_SKIP() << "EMOPIA data not found";                                     \
    }                                                                              \
  } while (0)
