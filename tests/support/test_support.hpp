// Helpers shared by the test folders: where the real data is, temporary dirs.
#pragma once

#include <cstdlib>
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
// The same in a changed environment: "NAME=value" sets a variable, "NAME"
// alone removes it.
ProgramRun run_emopiano(const std::vector<std::string>& args, const std::vector<std::string>& environment);

}  // namespace emopiano::test

// Skips the current test because something that setup installs (a data set,
// the bundled model or classifier, mido, the SoundFont, FluidSynth) is
// missing. Under EMOPIANO_REQUIRE_DATA=1 (the test command, where setup has
// installed everything) a missing item is a failure, never a silent skip.
#define EMOPIANO_MISSING(what)                                                 \
  do {                                                                         \
    if (std::getenv("EMOPIANO_REQUIRE_DATA")) FAIL() << what << " is missing"; \
    GTEST_SKIP() << what << " not found";                                      \
  } while (0)

// Skips the current test when the EMOPIA data is missing (a failure under
// EMOPIANO_REQUIRE_DATA, as in CI, where ../shared/data is always present).
#define EMOPIANO_NEED_EMOPIA()                                                     \
  do {                                                                             \
    if (::emopiano::test::emopia_midis().empty()) EMOPIANO_MISSING("EMOPIA data"); \
  } while (0)
