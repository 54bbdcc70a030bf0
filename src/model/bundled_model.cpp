// Where the model shipped with emopiano is found.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/core.h>

#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "emopiano/vae.hpp"

namespace emopiano {

namespace {

constexpr const char* kBundledName = "emopiano-small.pt";

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe.parent_path();
}

// The folder of libemopiano itself: an installed library finds its model in
// ../share/emopiano/models whichever program loads it.
std::filesystem::path library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&bundled_model_path), &info) && info.dli_fname) {
    std::error_code ec;
    auto lib = std::filesystem::canonical(info.dli_fname, ec);
    if (!ec) return lib.parent_path();
  }
  return {};
}

std::filesystem::path source_dir() {
#ifdef EMOPIANO_SOURCE_DIR
  return EMOPIANO_SOURCE_DIR;
#else
  // This file is src/model/bundled_model.cpp under the source tree.
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
#endif
}

// The first of the usual places that holds `name`; `env` overrides.
std::filesystem::path find_bundled(const char* name, const char* env_name, const char* what, const char* option) {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv(env_name); env && *env) {
    std::filesystem::path p(env);
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p;
    throw Error(ErrorCode::not_found, fmt::format("{} names {}, which is not a file", env_name, p.string()));
  }
  for (const auto& base : {executable_dir(), library_dir()}) {
    if (base.empty()) continue;
    candidates.push_back(base / "models" / name);
    candidates.push_back(base / ".." / "models" / name);
    candidates.push_back(base / ".." / "share" / "emopiano" / "models" / name);
  }
  if (auto src = source_dir(); !src.empty()) candidates.push_back(src / "models" / name);
  std::string searched;
  std::vector<std::filesystem::path> seen;
  for (const auto& candidate : candidates) {
    const auto c = candidate.lexically_normal();
    if (std::find(seen.begin(), seen.end(), c) != seen.end()) continue;
    seen.push_back(c);
    std::error_code ec;
    if (std::filesystem::is_regular_file(c, ec)) return c;
    searched += "\n  " + c.string();
  }
  throw Error(ErrorCode::not_found, fmt::format("the bundled {} {} was not found; set {} or pass {}. Searched:{}", what,
                                                name, env_name, option, searched));
}

}  // namespace

std::filesystem::path bundled_model_path() { return find_bundled(kBundledName, "EMOPIANO_MODEL", "model", "--model"); }

std::filesystem::path bundled_classifier_path() {
  return find_bundled("emotion-classifier.pt", "EMOPIANO_CLASSIFIER", "classifier", "--classifier");
}

std::filesystem::path bundled_vae_path() { return find_bundled("emopiano-vae.pt", "EMOPIANO_VAE", "VAE", "--vae"); }

}  // namespace emopiano
