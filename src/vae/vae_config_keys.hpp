// The keys a VaeConfig may have in JSON: a VAE file whose configuration has
// another one was written by a newer build, for an option this one lacks.
#pragma once

#include <set>
#include <string>

namespace emopiano::vae {

const std::set<std::string>& config_keys();

}  // namespace emopiano::vae
