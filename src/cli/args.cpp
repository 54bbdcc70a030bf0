#include "cli/args.hpp"

#include <cstdio>
#include <cstdlib>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::cli {

Args::Args(std::string command, std::string positional_usage, std::string description)
    : command_(std::move(command)), usage_(std::move(positional_usage)), description_(std::move(description)) {
  flag("help", "show this help");
}

void Args::flag(const std::string& name, const std::string& help) {
  specs_[name] = Spec{"", help, true, std::nullopt};
  order_.push_back(name);
}

void Args::option(const std::string& name, const std::string& metavar, const std::string& help,
                  std::optional<std::string> default_value) {
  specs_[name] = Spec{metavar, help, false, std::move(default_value)};
  order_.push_back(name);
}

void Args::positionals(size_t min_count, size_t max_count) {
  min_pos_ = min_count;
  max_pos_ = max_count;
}

int Args::parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2), value;
      bool inline_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      auto it = specs_.find(name);
      if (it == specs_.end()) {
        fmt::print(stderr, "emopiano {}: unknown option --{} (see --help)\n", command_, name);
        return 2;
      }
      if (it->second.is_flag) {
        if (inline_value) {
          fmt::print(stderr, "emopiano {}: --{} takes no value\n", command_, name);
          return 2;
        }
        values_[name] = "1";
      } else {
        if (!inline_value) {
          if (i + 1 >= argc) {
            fmt::print(stderr, "emopiano {}: --{} needs a value {}\n", command_, name, it->second.metavar);
            return 2;
          }
          value = argv[++i];
        }
        values_[name] = value;
      }
    } else if (a == "-h") {
      values_["help"] = "1";
    } else if (a == "-o" && specs_.count("output")) {
      if (i + 1 >= argc) {
        fmt::print(stderr, "emopiano {}: -o needs a file name\n", command_);
        return 2;
      }
      values_["output"] = argv[++i];
    } else {
      positional_.push_back(a);
    }
  }
  if (values_.count("help")) {
    print_help();
    return 0;
  }
  if (positional_.size() < min_pos_ || positional_.size() > max_pos_) {
    fmt::print(stderr, "emopiano {}: expected {} (usage: emopiano {} [options] {})\n", command_,
               min_pos_ == max_pos_ ? fmt::format("{} argument(s)", min_pos_)
                                    : fmt::format("{} to {} arguments", min_pos_, max_pos_),
               command_, usage_);
    return 2;
  }
  return -1;
}

bool Args::has(const std::string& name) const {
  if (values_.count(name)) return true;
  auto it = specs_.find(name);
  return it != specs_.end() && it->second.default_value.has_value();
}

std::string Args::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  auto it = specs_.find(name);
  if (it != specs_.end() && it->second.default_value) return *it->second.default_value;
  return "";
}

double Args::get_double(const std::string& name) const {
  std::string v = get(name);
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end == nullptr || *end != '\0')
    throw Error(ErrorCode::invalid_argument, fmt::format("--{}: '{}' is not a number", name, v));
  return d;
}

long long Args::get_int(const std::string& name) const {
  std::string v = get(name);
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || end == nullptr || *end != '\0')
    throw Error(ErrorCode::invalid_argument, fmt::format("--{}: '{}' is not a whole number", name, v));
  return n;
}

void Args::print_help() const {
  fmt::print("usage: emopiano {} [options] {}\n\n{}\n\noptions:\n", command_, usage_, description_);
  for (const auto& name : order_) {
    const Spec& s = specs_.at(name);
    std::string left = s.is_flag ? "--" + name : "--" + name + " " + s.metavar;
    std::string def = s.default_value ? fmt::format(" (default {})", *s.default_value) : "";
    fmt::print("  {:<26} {}{}\n", left, s.help, def);
  }
}

}  // namespace emopiano::cli
