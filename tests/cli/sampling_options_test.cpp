// `generate`, `evaluate` and `live` take the same sampling options and refuse
// the same values, each with the option's name, before any work is done.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace emopiano {
namespace {

TEST(CliSamplingOptions, TheThreeCommandsRefuseTheSameValues) {
  const std::vector<std::vector<std::string>> bad = {
      {"--guidance", "-1"},
      {"--rhythm-guidance", "-0.5"},
      {"--guidance", "50"},
      {"--temperature", "-1"},
      {"--top-p", "0"},
      {"--top-p", "1.5"},
      {"--top-k", "-2"},
      {"--rhythm-guidance", "nan"},
      {"--valence-guidance", "-1"},
      {"--valence-guidance", "21"},
      {"--density", "-1"},
      {"--density", "17"},
  };
  const auto dir = test::temp_dir("cli-sampling-options");
  for (const char* command : {"generate", "evaluate", "live"}) {
    for (const auto& option : bad) {
      std::vector<std::string> words = {command, option[0], option[1]};
      if (std::string(command) == "generate") words.insert(words.end(), {"-o", (dir / "x.mid").string()});
      if (std::string(command) == "live") words.push_back("--no-wait");
      auto r = test::run_emopiano(words);
      EXPECT_EQ(r.code, 1) << command << " " << option[0] << " " << option[1] << ": " << r.err;
      EXPECT_NE(r.err.find(option[0]), std::string::npos) << command << ": " << r.err;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.mid"));
}

}  // namespace
}  // namespace emopiano
