// ModelConfig <-> JSON and validation.
#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "emopiano/model.hpp"

namespace emopiano {

std::string ModelConfig::to_json() const {
  nlohmann::json j = {
      {"n_layers", n_layers},
      {"d_model", d_model},
      {"n_heads", n_heads},
      {"d_ff", d_ff},
      {"context_length", context_length},
      {"dropout", dropout},
      {"max_bars", max_bars},
  };
  // Only a grouped model names its K/V heads: the files of the others stay
  // as they were, and readable by versions that do not know the key.
  if (kv_heads() != n_heads) j["n_kv_heads"] = n_kv_heads;
  if (attention_window > 0) j["attention_window"] = attention_window;
  return j.dump();
}

ModelConfig ModelConfig::from_json(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::format, fmt::format("model config: malformed JSON: {}", e.what()));
  }
  if (!j.is_object()) throw Error(ErrorCode::format, "model config: expected a JSON object");
  ModelConfig c;
  auto read_int = [&](const char* key, int& out) {
    if (!j.contains(key)) return;
    const auto& v = j.at(key);
    if (!v.is_number_integer()) {
      throw Error(ErrorCode::format, fmt::format("model config: '{}' must be an integer", key));
    }
    auto x = v.get<int64_t>();
    if (x < -1000000000LL || x > 1000000000LL) {
      throw Error(ErrorCode::invalid_argument, fmt::format("model config: '{}' = {} is out of range", key, x));
    }
    out = static_cast<int>(x);
  };
  read_int("n_layers", c.n_layers);
  read_int("d_model", c.d_model);
  read_int("n_heads", c.n_heads);
  read_int("n_kv_heads", c.n_kv_heads);
  read_int("d_ff", c.d_ff);
  read_int("context_length", c.context_length);
  read_int("attention_window", c.attention_window);
  read_int("max_bars", c.max_bars);
  if (j.contains("dropout")) {
    if (!j.at("dropout").is_number()) throw Error(ErrorCode::format, "model config: 'dropout' must be a number");
    c.dropout = j.at("dropout").get<float>();
  }
  c.validate();
  return c;
}

void ModelConfig::validate() const {
  auto bad = [](const std::string& what) { throw Error(ErrorCode::invalid_argument, "model config: " + what); };
  if (n_layers < 1 || n_layers > 64) bad(fmt::format("n_layers = {} must be in 1..64", n_layers));
  if (d_model < 1 || d_model > 8192) bad(fmt::format("d_model = {} must be in 1..8192", d_model));
  if (n_heads < 1 || d_model % n_heads != 0)
    bad(fmt::format("n_heads = {} must be >= 1 and divide d_model = {}", n_heads, d_model));
  if (n_kv_heads < 0 || (n_heads >= 1 && n_heads % kv_heads() != 0))
    bad(fmt::format("n_kv_heads = {} must be 0 (as n_heads) or divide n_heads = {}", n_kv_heads, n_heads));
  if (d_ff < 1 || d_ff > 65536) bad(fmt::format("d_ff = {} must be in 1..65536", d_ff));
  if (context_length < 2 || context_length > 65536)
    bad(fmt::format("context_length = {} must be in 2..65536", context_length));
  if (attention_window < 0 || attention_window % 16 != 0 || attention_window > 65536)
    bad(fmt::format("attention_window = {} must be 0 (none) or a multiple of 16 up to 65536", attention_window));
  if (!(dropout >= 0.0f && dropout < 1.0f)) bad(fmt::format("dropout = {} must be in [0, 1)", dropout));
  if (max_bars < 1 || max_bars > 100000) bad(fmt::format("max_bars = {} must be in 1..100000", max_bars));
}

bool ModelConfig::operator==(const ModelConfig& o) const {
  return n_layers == o.n_layers && d_model == o.d_model && n_heads == o.n_heads && kv_heads() == o.kv_heads() &&
         d_ff == o.d_ff && context_length == o.context_length && attention_window == o.attention_window &&
         dropout == o.dropout && max_bars == o.max_bars;
}

}  // namespace emopiano
