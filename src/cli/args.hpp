// A small declarative option parser shared by all subcommands:
//   Args args("inspect", "FILE.mid", "Print what a MIDI file holds.");
//   args.flag("json", "print JSON");
//   args.option("emotion", "E", "target emotion", "happy");
//   if (int rc = args.parse(argc, argv); rc >= 0) return rc;   // --help or error
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace emopiano::cli {

class Args {
 public:
  Args(std::string command, std::string positional_usage, std::string description);

  void flag(const std::string& name, const std::string& help);
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              std::optional<std::string> default_value = std::nullopt);
  // Number of positional arguments accepted.
  void positionals(size_t min_count, size_t max_count);

  // Returns -1 when parsing succeeded and the command should run; otherwise an
  // exit code (0 after --help, 2 after printing a usage error to stderr).
  int parse(int argc, char** argv);

  bool has(const std::string& name) const;         // flag given, or option given/defaulted
  std::string get(const std::string& name) const;  // "" when absent
  // Parsed numbers; a malformed value throws Error(invalid_argument) naming the option.
  double get_double(const std::string& name) const;
  long long get_int(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }
  void print_help() const;

 private:
  struct Spec {
    std::string metavar;
    std::string help;
    bool is_flag = false;
    std::optional<std::string> default_value;
  };
  std::string command_, usage_, description_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  size_t min_pos_ = 0, max_pos_ = 0;
};

}  // namespace emopiano::cli
