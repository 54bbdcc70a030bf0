// ClassifierConfig <-> JSON and validation, and predictions from probabilities.
#include <nlohmann/json.hpp>

#include <cmath>

#include <fmt/core.h>

#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"

namespace emopiano {

std::string ClassifierConfig::to_json() const {
  nlohmann::json j = {{"architecture", architecture}, {"n_layers", n_layers}, {"d_model", d_model},
                      {"n_heads", n_heads},           {"d_ff", d_ff},         {"window", window},
                      {"max_windows", max_windows},   {"dropout", dropout}};
  return j.dump();
}

ClassifierConfig ClassifierConfig::from_json(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::format, fmt::format("classifier config: malformed JSON: {}", e.what()));
  }
  if (!j.is_object()) throw Error(ErrorCode::format, "classifier config: expected a JSON object");
  ClassifierConfig c;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "architecture") {
      if (!it->is_string()) throw Error(ErrorCode::format, "classifier config: 'architecture' must be a string");
      c.architecture = it->get<std::string>();
      continue;
    }
    if (key == "dropout") {
      if (!it->is_number()) throw Error(ErrorCode::format, "classifier config: 'dropout' must be a number");
      c.dropout = it->get<float>();
      continue;
    }
    int* field = key == "n_layers"      ? &c.n_layers
                 : key == "d_model"     ? &c.d_model
                 : key == "n_heads"     ? &c.n_heads
                 : key == "d_ff"        ? &c.d_ff
                 : key == "window"      ? &c.window
                 : key == "max_windows" ? &c.max_windows
                                        : nullptr;
    if (!field) throw Error(ErrorCode::invalid_argument, fmt::format("classifier config: unknown key '{}'", key));
    if (!it->is_number_integer())
      throw Error(ErrorCode::format, fmt::format("classifier config: '{}' must be an integer", key));
    const auto x = it->get<int64_t>();
    if (x < -1000000000LL || x > 1000000000LL)
      throw Error(ErrorCode::invalid_argument, fmt::format("classifier config: '{}' = {} is out of range", key, x));
    *field = static_cast<int>(x);
  }
  c.validate();
  return c;
}

void ClassifierConfig::validate() const {
  auto bad = [](const std::string& what) { throw Error(ErrorCode::invalid_argument, "classifier config: " + what); };
  if (architecture != "transformer" && architecture != "features")
    bad(fmt::format("architecture = \"{}\" must be \"transformer\" or \"features\"", architecture));
  if (n_layers < 1 || n_layers > 64) bad(fmt::format("n_layers = {} must be in 1..64", n_layers));
  if (d_model < 1 || d_model > 8192) bad(fmt::format("d_model = {} must be in 1..8192", d_model));
  if (n_heads < 1 || d_model % n_heads != 0)
    bad(fmt::format("n_heads = {} must be >= 1 and divide d_model = {}", n_heads, d_model));
  if (d_ff < 1 || d_ff > 65536) bad(fmt::format("d_ff = {} must be in 1..65536", d_ff));
  if (window < 2 || window > 65536) bad(fmt::format("window = {} must be in 2..65536", window));
  if (max_windows < 1 || max_windows > 1024) bad(fmt::format("max_windows = {} must be in 1..1024", max_windows));
  if (!(dropout >= 0.0f && dropout < 1.0f)) bad(fmt::format("dropout = {} must be in [0, 1)", dropout));
}

bool ClassifierConfig::operator==(const ClassifierConfig& o) const {
  return architecture == o.architecture && n_layers == o.n_layers && d_model == o.d_model && n_heads == o.n_heads &&
         d_ff == o.d_ff && window == o.window && max_windows == o.max_windows && dropout == o.dropout;
}

EmotionPrediction prediction_from_probabilities(const std::array<double, 4>& p, int windows) {
  double sum = 0.0;
  for (double x : p) {
    if (!std::isfinite(x) || x < 0.0)
      throw Error(ErrorCode::invalid_argument, fmt::format("emotion probabilities: {} is not a probability", x));
    sum += x;
  }
  if (std::abs(sum - 1.0) > 1e-3)
    throw Error(ErrorCode::invalid_argument, fmt::format("emotion probabilities sum to {}, not 1", sum));
  EmotionPrediction out;
  out.probabilities = p;
  int best = 0;
  for (int q = 1; q < 4; ++q)
    if (p[q] > p[best]) best = q;
  out.quadrant = static_cast<Quadrant>(best);
  out.arousal = p[0] + p[1];
  out.valence = p[0] + p[3];
  out.windows = windows;
  return out;
}

}  // namespace emopiano
