// The token schemes this build knows, by the name TokenizerConfig::scheme uses.
#pragma once

#include <string>
#include <vector>

namespace emopiano::tokenizer {

// "remi", ... in a fixed order.
std::vector<std::string> scheme_names();
bool is_known_scheme(const std::string& name);

}  // namespace emopiano::tokenizer
