// Capsule files: CSV with a header, or JSON lines, read line by line so that
// a live reader and a whole file share one parser and one set of errors.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/text.hpp"
#include "emopiano/capsule.hpp"
#include "emopiano/error.hpp"

namespace emopiano {

namespace {

using text::lower;
using text::trim;

[[noreturn]] void fail(int64_t line, const std::string& what) {
  throw Error(ErrorCode::format, fmt::format("capsule line {}: {}", line, what));
}

double number(std::string_view text, int64_t line, std::string_view column) {
  const std::string s(trim(text));
  char* end = nullptr;
  const double v = s.empty() ? NAN : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v))
    fail(line, fmt::format("'{}' is not a number (column {})", s, column));
  return v;
}

std::optional<CapsuleClock> clock_of(const std::string& column) {
  if (column == "seconds" || column == "time" || column == "second") return CapsuleClock::seconds;
  if (column == "bar" || column == "bars") return CapsuleClock::bars;
  return std::nullopt;
}

// Four probabilities, or a valence/arousal point, checked and made a mix.
EmotionMix probabilities(const std::array<double, 4>& p, int64_t line) {
  double sum = 0.0;
  for (int k = 0; k < 4; ++k) {
    if (p[static_cast<size_t>(k)] < 0.0)
      fail(line, fmt::format("q{} = {:g} is negative", k + 1, p[static_cast<size_t>(k)]));
    sum += p[static_cast<size_t>(k)];
  }
  if (std::abs(sum - 1.0) > kCapsuleSumTolerance)
    fail(line, fmt::format("the probabilities sum to {:.3f}, not 1 (+-{:g})", sum, kCapsuleSumTolerance));
  return EmotionMix::from_probabilities(
      {static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2]), static_cast<float>(p[3])});
}

EmotionMix valence_arousal(double valence, double arousal, int64_t line) {
  if (valence < -1.0 || valence > 1.0) fail(line, fmt::format("valence {:g} is outside -1..1", valence));
  if (arousal < -1.0 || arousal > 1.0) fail(line, fmt::format("arousal {:g} is outside -1..1", arousal));
  return EmotionMix::from_valence_arousal(static_cast<float>(valence), static_cast<float>(arousal));
}

}  // namespace

std::optional<CapsuleRow> CapsuleReader::read_line(std::string_view raw) {
  ++line_;
  const std::string_view line = trim(raw);
  if (line.empty() || line.front() == '#') return std::nullopt;
  if (format_ == Format::unknown) format_ = line.front() == '{' ? Format::json : Format::csv;
  return format_ == Format::json ? read_json(line) : read_csv(line);
}

CapsuleRow CapsuleReader::accept(double time, CapsuleClock clock, const EmotionMix& emotion) {
  if (clock_ && *clock_ != clock)
    fail(line_, fmt::format("time in {} after rows in {}", clock == CapsuleClock::bars ? "bars" : "seconds",
                            *clock_ == CapsuleClock::bars ? "bars" : "seconds"));
  clock_ = clock;
  if (time < 0.0) fail(line_, fmt::format("time {:g} is negative", time));
  if (last_time_ && time < *last_time_)
    fail(line_, fmt::format("time {:g} goes back before {:g} (line {})", time, *last_time_, last_line_));
  last_time_ = time;
  last_line_ = line_;
  return CapsuleRow{time, emotion, line_};
}

std::optional<CapsuleRow> CapsuleReader::read_csv(std::string_view line) {
  std::vector<std::string_view> fields;
  for (size_t start = 0;;) {
    const size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (columns_.empty()) {  // the header
    for (auto f : fields) columns_.push_back(lower(f));
    const auto has = [&](const char* c) { return std::find(columns_.begin(), columns_.end(), c) != columns_.end(); };
    bool timed = false;
    for (const auto& c : columns_) {
      if (auto k = clock_of(c)) {
        if (timed) fail(line_, "two time columns");
        timed = true;
        clock_ = k;
      }
    }
    if (!timed)
      fail(line_, "missing column 'seconds' or 'bar' (a CSV capsule starts with a header, e.g. seconds,q1,q2,q3,q4)");
    const bool quadrants = has("q1") || has("q2") || has("q3") || has("q4");
    if (quadrants) {
      for (const char* c : {"q1", "q2", "q3", "q4"})
        if (!has(c)) fail(line_, fmt::format("missing column '{}'", c));
    } else if (has("valence") || has("arousal")) {
      for (const char* c : {"valence", "arousal"})
        if (!has(c)) fail(line_, fmt::format("missing column '{}'", c));
    } else {
      fail(line_, "missing columns: q1,q2,q3,q4 or valence,arousal");
    }
    return std::nullopt;
  }
  if (fields.size() < columns_.size())
    fail(line_, fmt::format("missing column '{}' ({} fields, the header has {})", columns_[fields.size()],
                            fields.size(), columns_.size()));
  if (fields.size() > columns_.size())
    fail(line_, fmt::format("{} fields, the header has {}", fields.size(), columns_.size()));
  double time = 0.0, valence = 0.0, arousal = 0.0;
  std::array<double, 4> p{};
  bool quadrants = false;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string& c = columns_[i];
    if (clock_of(c)) {
      time = number(fields[i], line_, c);
    } else if (c.size() == 2 && c[0] == 'q' && c[1] >= '1' && c[1] <= '4') {
      p[static_cast<size_t>(c[1] - '1')] = number(fields[i], line_, c);
      quadrants = true;
    } else if (c == "valence") {
      valence = number(fields[i], line_, c);
    } else if (c == "arousal") {
      arousal = number(fields[i], line_, c);
    }  // other columns (a recogniser's confidence, ...) are the host's own
  }
  const EmotionMix emotion = quadrants ? probabilities(p, line_) : valence_arousal(valence, arousal, line_);
  return accept(time, *clock_, emotion);
}

std::optional<CapsuleRow> CapsuleReader::read_json(std::string_view line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(line_, "not a JSON object");
  const auto value = [&](const char* key) -> double {
    const auto& v = j.at(key);
    if (!v.is_number()) fail(line_, fmt::format("'{}' is not a number (key {})", v.dump(), key));
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(line_, fmt::format("'{}' is not a finite number (key {})", v.dump(), key));
    return d;
  };
  std::optional<CapsuleClock> clock;
  const char* time_key = nullptr;
  for (const char* k : {"seconds", "time", "bar", "bars"}) {
    if (j.contains(k)) {
      if (time_key) fail(line_, fmt::format("two times ('{}' and '{}')", time_key, k));
      time_key = k;
      clock = clock_of(k);
    }
  }
  if (!time_key) fail(line_, "missing key 'seconds' or 'bar'");
  const double time = value(time_key);
  EmotionMix emotion;
  if (j.contains("p")) {
    const auto& a = j.at("p");
    if (!a.is_array() || a.size() != 4) fail(line_, "'p' must be an array of four probabilities (Q1..Q4)");
    std::array<double, 4> p{};
    for (size_t k = 0; k < 4; ++k) {
      if (!a[k].is_number()) fail(line_, fmt::format("'{}' is not a number (p[{}])", a[k].dump(), k));
      p[k] = a[k].get<double>();
    }
    emotion = probabilities(p, line_);
  } else if (j.contains("q1") || j.contains("q2") || j.contains("q3") || j.contains("q4")) {
    std::array<double, 4> p{};
    for (int k = 0; k < 4; ++k) {
      const std::string key = fmt::format("q{}", k + 1);
      if (!j.contains(key)) fail(line_, fmt::format("missing key '{}'", key));
      p[static_cast<size_t>(k)] = value(key.c_str());
    }
    emotion = probabilities(p, line_);
  } else if (j.contains("valence") || j.contains("arousal")) {
    for (const char* k : {"valence", "arousal"})
      if (!j.contains(k)) fail(line_, fmt::format("missing key '{}'", k));
    emotion = valence_arousal(value("valence"), value("arousal"), line_);
  } else {
    fail(line_, "missing key 'p' (four probabilities) or 'valence' and 'arousal'");
  }
  return accept(time, *clock, emotion);
}

Capsule parse_capsule(std::string_view text) {
  CapsuleReader reader;
  Capsule capsule;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    const auto line = text.substr(start, end == std::string_view::npos ? text.npos : end - start);
    if (auto row = reader.read_line(line)) capsule.rows.push_back(*row);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (capsule.rows.empty())
    throw Error(ErrorCode::format, fmt::format("capsule: no rows in {} lines", reader.lines_read()));
  capsule.clock = *reader.clock();
  return capsule;
}

Capsule read_capsule_file(const std::filesystem::path& path) {
  const std::string text = detail::read_file_bytes(path);
  try {
    return parse_capsule(text);
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{}: {}", path.string(), e.what()));
  }
}

}  // namespace emopiano
