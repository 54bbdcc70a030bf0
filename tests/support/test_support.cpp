#include "support/test_support.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
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
  auto dir = std::filesystem::temp_directory_path() / ("emopiano-test-" + tag + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  temp_dirs().dirs.push_back(dir);
  return dir;
}

namespace {
// One shell word, whatever the text holds.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

ProgramRun run_emopiano(const std::vector<std::string>& args) { return run_emopiano(args, {}); }

ProgramRun run_emopiano(const std::vector<std::string>& args, const std::vector<std::string>& environment) {
  static const std::filesystem::path err_file = temp_dir("program-stderr") / "stderr.txt";
  std::string cmd;
  if (!environment.empty()) {
    cmd = "env";  // removals first: env takes options only before the first NAME=value
    for (const auto& e : environment)
      if (e.find('=') == std::string::npos) cmd += " -u " + shell_quote(e);
    for (const auto& e : environment)
      if (e.find('=') != std::string::npos) cmd += " " + shell_quote(e);
    cmd += " ";
  }
  cmd += shell_quote(EMOPIANO_BINARY_DIR "/emopiano");
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>" + shell_quote(err_file.string());
  ProgramRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err_file);
  std::stringstream ss;
  ss << e.rdbuf();
  r.err = ss.str();
  return r;
}

}  // namespace emopiano::test
