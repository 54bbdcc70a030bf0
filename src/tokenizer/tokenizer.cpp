// The scheme table: the one place that knows every tokenizer class. A new
// scheme (compound word, Octuple) is a new class plus one line here.
#include "emopiano/tokenizer.hpp"

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "tokenizer/remi_tokenizer.hpp"
#include "tokenizer/tokenizer_schemes.hpp"

namespace emopiano {

namespace tokenizer {
namespace {

struct Scheme {
  const char* name;
  std::unique_ptr<Tokenizer> (*make)(const TokenizerConfig&);
};

const Scheme kSchemes[] = {
    {"remi", [](const TokenizerConfig& c) -> std::unique_ptr<Tokenizer> { return std::make_unique<RemiTokenizer>(c); }},
};

}  // namespace

std::vector<std::string> scheme_names() {
  std::vector<std::string> out;
  for (const auto& s : kSchemes) out.emplace_back(s.name);
  return out;
}

bool is_known_scheme(const std::string& name) {
  for (const auto& s : kSchemes)
    if (name == s.name) return true;
  return false;
}

}  // namespace tokenizer

std::unique_ptr<Tokenizer> Tokenizer::create(const TokenizerConfig& config) {
  config.validate();  // names the unknown scheme, or the value out of range
  for (const auto& s : tokenizer::kSchemes)
    if (config.scheme == s.name) return s.make(config);
  throw Error(ErrorCode::internal, fmt::format("scheme \"{}\" validated but not constructible", config.scheme));
}

void Tokenizer::musical_positions(const int32_t* ids, size_t count, int32_t* bars, int32_t* positions) const {
  auto g = grammar();
  int32_t bar = 0, position = 0;
  for (size_t i = 0; i < count; ++i) {
    if (g->advance(ids[i])) {
      bar = g->bar();
      position = g->position();
    }
    if (bars) bars[i] = bar;
    if (positions) positions[i] = position;
  }
}

}  // namespace emopiano
