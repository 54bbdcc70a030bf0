// Subcommands of the `emopiano` program register themselves here, one file
// each (cmd_<name>.cpp), so adding a command never edits a central table.
#pragma once

#include <string>
#include <vector>

namespace emopiano::cli {

// argv[0] is the command name; returns the process exit code.
using CommandFn = int (*)(int argc, char** argv);

struct Command {
  std::string name;
  std::string summary;
  CommandFn run = nullptr;
};

std::vector<Command>& commands();

struct CommandRegistrar {
  CommandRegistrar(const char* name, const char* summary, CommandFn run) { commands().push_back({name, summary, run}); }
};

}  // namespace emopiano::cli
