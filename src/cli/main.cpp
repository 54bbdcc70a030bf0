// The `emopiano` program: dispatches to the subcommands that registered
// themselves (see command.hpp). Every error becomes a message and exit code 1;
// nothing is thrown past main.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>

#include <fmt/core.h>

#include "cli/command.hpp"
#include "core/foreign_error.hpp"
#include "emopiano/error.hpp"
#include "emopiano/version.hpp"

namespace emopiano::cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

}  // namespace emopiano::cli

namespace {

void print_usage(FILE* out) {
  auto cmds = emopiano::cli::commands();
  std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.name < b.name; });
  fmt::print(out, "emopiano {}: emotion-conditioned piano music\n\nusage: emopiano COMMAND [options]\n\ncommands:\n",
             emopiano::version_string());
  for (const auto& c : cmds) fmt::print(out, "  {:<12} {}\n", c.name, c.summary);
  fmt::print(out, "\n'emopiano COMMAND --help' describes a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  if (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    print_usage(stdout);
    return 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    fmt::print("emopiano {}\n", emopiano::version_string());
    return 0;
  }
  for (const auto& c : emopiano::cli::commands()) {
    if (c.name == argv[1]) {
      try {
        return c.run(argc - 1, argv + 1);
      } catch (const emopiano::Error& e) {
        fmt::print(stderr, "emopiano {}: {}\n", c.name, e.what());
        return e.code() == emopiano::ErrorCode::cancelled ? 130 : 1;
      } catch (const std::exception& e) {
        // LibTorch's errors: one line (no C++ backtrace), out of memory said as such.
        fmt::print(stderr, "emopiano {}: {}\n", c.name, emopiano::detail::foreign_error(e).what());
        return 1;
      }
    }
  }
  fmt::print(stderr, "emopiano: unknown command '{}'\n\n", argv[1]);
  print_usage(stderr);
  return 2;
}
