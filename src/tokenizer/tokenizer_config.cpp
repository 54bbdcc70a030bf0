// TokenizerConfig as JSON. The JSON lives inside model files, so the reader is
// strict about types (a wrong type is a corrupt file) and ranges (validate()).
#include <cmath>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "emopiano/error.hpp"
#include "emopiano/tokenizer.hpp"
#include "tokenizer/tokenizer_schemes.hpp"

namespace emopiano {

namespace {

using Json = nlohmann::ordered_json;

[[noreturn]] void bad_value(const std::string& what) {
  throw Error(ErrorCode::invalid_argument, "tokenizer config: " + what);
}

void check_range(const char* name, long long value, long long lo, long long hi) {
  if (value < lo || value > hi) bad_value(fmt::format("{} = {} is outside [{}, {}]", name, value, lo, hi));
}

[[noreturn]] void bad_type(const std::string& key, const char* expected) {
  throw Error(ErrorCode::format, fmt::format("tokenizer config: \"{}\" must be {}", key, expected));
}

}  // namespace

std::string TokenizerConfig::to_json() const {
  Json j;
  j["scheme"] = scheme;
  j["positions_per_beat"] = positions_per_beat;
  j["pitch_min"] = pitch_min;
  j["pitch_max"] = pitch_max;
  j["velocity_bins"] = velocity_bins;
  j["tempo_bins"] = tempo_bins;
  j["tempo_min"] = tempo_min;
  j["tempo_max"] = tempo_max;
  j["max_duration_steps"] = max_duration_steps;
  j["use_tempo"] = use_tempo;
  j["use_pedal"] = use_pedal;
  j["use_chords"] = use_chords;
  j["use_time_signature"] = use_time_signature;
  j["use_key"] = use_key;
  j["emotion_token"] = emotion_token;
  j["grid"] = grid;
  return j.dump(2);
}

TokenizerConfig TokenizerConfig::from_json(std::string_view text) {
  Json j;
  try {
    j = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::format, std::string("tokenizer config: malformed JSON: ") + e.what());
  }
  if (!j.is_object()) throw Error(ErrorCode::format, "tokenizer config: expected a JSON object");

  TokenizerConfig c;
  for (const auto& item : j.items()) {
    // Named copies, not structured bindings: C++17 lambdas cannot capture those.
    const std::string key = item.key();
    const Json& value = item.value();
    auto get_int = [&](int& out) {
      if (!value.is_number_integer()) bad_type(key, "an integer");
      long long v = value.get<long long>();
      if (v < INT32_MIN || v > INT32_MAX) bad_value(fmt::format("{} = {} is out of range", key, v));
      out = static_cast<int>(v);
    };
    auto get_double = [&](double& out) {
      if (!value.is_number()) bad_type(key, "a number");
      out = value.get<double>();
    };
    auto get_bool = [&](bool& out) {
      if (!value.is_boolean()) bad_type(key, "true or false");
      out = value.get<bool>();
    };
    if (key == "scheme") {
      if (!value.is_string()) bad_type(key, "a string");
      c.scheme = value.get<std::string>();
    } else if (key == "positions_per_beat")
      get_int(c.positions_per_beat);
    else if (key == "pitch_min")
      get_int(c.pitch_min);
    else if (key == "pitch_max")
      get_int(c.pitch_max);
    else if (key == "velocity_bins")
      get_int(c.velocity_bins);
    else if (key == "tempo_bins")
      get_int(c.tempo_bins);
    else if (key == "tempo_min")
      get_double(c.tempo_min);
    else if (key == "tempo_max")
      get_double(c.tempo_max);
    else if (key == "max_duration_steps")
      get_int(c.max_duration_steps);
    else if (key == "use_tempo")
      get_bool(c.use_tempo);
    else if (key == "use_pedal")
      get_bool(c.use_pedal);
    else if (key == "use_chords")
      get_bool(c.use_chords);
    else if (key == "use_time_signature")
      get_bool(c.use_time_signature);
    else if (key == "use_key")
      get_bool(c.use_key);
    else if (key == "emotion_token")
      get_bool(c.emotion_token);
    else if (key == "grid") {
      if (!value.is_string()) bad_type(key, "a string");
      c.grid = value.get<std::string>();
    } else
      // An option this version does not know would change the vocabulary in
      // a way we cannot reproduce, so it is refused rather than ignored.
      throw Error(ErrorCode::format, fmt::format("tokenizer config: unknown key \"{}\"", key));
  }
  c.validate();
  return c;
}

void TokenizerConfig::validate() const {
  if (!tokenizer::is_known_scheme(scheme)) {
    std::string known;
    for (const auto& s : tokenizer::scheme_names()) known += (known.empty() ? "" : ", ") + s;
    bad_value(fmt::format("unknown scheme \"{}\" (known: {})", scheme, known));
  }
  // 96 steps per beat covers 64th-note triplets; more only bloats sequences.
  check_range("positions_per_beat", positions_per_beat, 1, 96);
  check_range("pitch_min", pitch_min, 0, 127);
  check_range("pitch_max", pitch_max, 0, 127);
  if (pitch_min > pitch_max) bad_value(fmt::format("pitch_min {} is above pitch_max {}", pitch_min, pitch_max));
  check_range("velocity_bins", velocity_bins, 1, 127);
  check_range("tempo_bins", tempo_bins, 1, 512);
  if (!std::isfinite(tempo_min) || !std::isfinite(tempo_max) || tempo_min < 1.0 || tempo_max > 1000.0 ||
      tempo_min >= tempo_max)
    bad_value(
        fmt::format("tempo range [{}, {}] must satisfy 1 <= tempo_min < tempo_max <= 1000", tempo_min, tempo_max));
  check_range("max_duration_steps", max_duration_steps, 1, 1024);
  if (grid != "auto" && grid != "score" && grid != "tracked")
    bad_value(fmt::format("grid \"{}\" must be auto, score or tracked", grid));
}

bool TokenizerConfig::operator==(const TokenizerConfig& o) const {
  return scheme == o.scheme && positions_per_beat == o.positions_per_beat && pitch_min == o.pitch_min &&
         pitch_max == o.pitch_max && velocity_bins == o.velocity_bins && tempo_bins == o.tempo_bins &&
         tempo_min == o.tempo_min && tempo_max == o.tempo_max && max_duration_steps == o.max_duration_steps &&
         use_tempo == o.use_tempo && use_pedal == o.use_pedal && use_chords == o.use_chords &&
         use_time_signature == o.use_time_signature && use_key == o.use_key && emotion_token == o.emotion_token &&
         grid == o.grid;
}

}  // namespace emopiano
