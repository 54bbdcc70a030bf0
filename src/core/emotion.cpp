#include "emopiano/emotion.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/core.h>

#include "core/text.hpp"
#include "emopiano/error.hpp"

namespace emopiano {

namespace {

// Valence and arousal of each quadrant's corner of the circumplex.
constexpr std::array<float, 4> kCornerValence = {+1.0f, -1.0f, -1.0f, +1.0f};
constexpr std::array<float, 4> kCornerArousal = {+1.0f, +1.0f, -1.0f, -1.0f};

using text::lower;
using text::trim;

// Parses the whole of `text` as a number; nullopt when anything is left over.
std::optional<double> parse_number(std::string_view text) {
  std::string s(trim(text));
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE) return std::nullopt;
  return v;
}

std::vector<std::string_view> split_on(std::string_view text, char a, char b) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == a || text[i] == b) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

[[noreturn]] void bad_emotion(std::string_view text, std::string_view why) {
  throw Error(ErrorCode::invalid_argument, fmt::format("emotion '{}': {} (expected Q1..Q4, happy/tense/sad/calm, four "
                                                       "weights like '0.1,0.6,0.2,0.1', or 'va:VALENCE,AROUSAL')",
                                                       text, why));
}

}  // namespace

const char* quadrant_name(Quadrant q) noexcept {
  switch (q) {
    case Quadrant::Q1: return "Q1";
    case Quadrant::Q2: return "Q2";
    case Quadrant::Q3: return "Q3";
    case Quadrant::Q4: return "Q4";
  }
  return "Q?";
}

const char* quadrant_mood(Quadrant q) noexcept {
  switch (q) {
    case Quadrant::Q1: return "happy";
    case Quadrant::Q2: return "tense";
    case Quadrant::Q3: return "sad";
    case Quadrant::Q4: return "calm";
  }
  return "unknown";
}

std::optional<Quadrant> parse_quadrant(std::string_view text) noexcept {
  try {
    std::string s = lower(trim(text));
    if (s.size() == 2 && s[0] == 'q') s.erase(0, 1);
    if (s.size() == 1 && s[0] >= '1' && s[0] <= '4') return static_cast<Quadrant>(s[0] - '1');
    for (int i = 0; i < kNumQuadrants; ++i)
      if (s == quadrant_mood(static_cast<Quadrant>(i))) return static_cast<Quadrant>(i);
  } catch (...) {
    // Only allocation can fail here; "not a quadrant" is the honest answer.
  }
  return std::nullopt;
}

EmotionMix EmotionMix::from_quadrant(Quadrant q) {
  int i = static_cast<int>(q);
  if (i < 0 || i >= kNumQuadrants)
    throw Error(ErrorCode::invalid_argument, fmt::format("quadrant index {} is not 0..3", i));
  EmotionMix m;
  m.p_ = {0.0f, 0.0f, 0.0f, 0.0f};
  m.p_[i] = 1.0f;
  return m;
}

EmotionMix EmotionMix::from_probabilities(const std::array<float, 4>& weights) {
  double sum = 0.0;
  for (int i = 0; i < kNumQuadrants; ++i) {
    float w = weights[i];
    if (!std::isfinite(w))
      throw Error(ErrorCode::invalid_argument, fmt::format("emotion weight for Q{} is not a finite number", i + 1));
    if (w < 0.0f)
      throw Error(ErrorCode::invalid_argument, fmt::format("emotion weight for Q{} is negative ({})", i + 1, w));
    sum += w;
  }
  if (!(sum > 0.0))
    throw Error(ErrorCode::invalid_argument, "emotion weights sum to zero: at least one must be positive");
  EmotionMix m;
  for (int i = 0; i < kNumQuadrants; ++i) m.p_[i] = static_cast<float>(weights[i] / sum);
  return m;
}

EmotionMix EmotionMix::from_valence_arousal(float valence, float arousal) {
  auto check = [](float v, const char* what) {
    if (!std::isfinite(v) || v < -1.0f || v > 1.0f)
      throw Error(ErrorCode::invalid_argument, fmt::format("{} {} is outside [-1, 1]", what, v));
  };
  check(valence, "valence");
  check(arousal, "arousal");
  // Position along each axis in [0, 1]; each quadrant's weight is the area of
  // the rectangle opposite its corner, so the corners are pure and the
  // expected valence/arousal of the mix equals the input point.
  double u = (valence + 1.0) / 2.0, w = (arousal + 1.0) / 2.0;
  EmotionMix m;
  m.p_ = {static_cast<float>(u * w), static_cast<float>((1 - u) * w), static_cast<float>((1 - u) * (1 - w)),
          static_cast<float>(u * (1 - w))};
  return m;
}

EmotionMix EmotionMix::parse(std::string_view text) {
  std::string_view t = trim(text);
  if (t.empty()) bad_emotion(text, "empty");
  std::string low = lower(t);
  if (low.rfind("va:", 0) == 0) {
    auto parts = split_on(t.substr(3), ',', ';');
    if (parts.size() != 2) bad_emotion(text, "'va:' needs exactly two numbers");
    auto v = parse_number(parts[0]), a = parse_number(parts[1]);
    if (!v || !a) bad_emotion(text, "valence and arousal must be numbers");
    return from_valence_arousal(static_cast<float>(*v), static_cast<float>(*a));
  }
  if (t.find_first_of(",;") != std::string_view::npos) {
    auto parts = split_on(t, ',', ';');
    if (parts.size() != 4) bad_emotion(text, fmt::format("{} weights given, 4 needed", parts.size()));
    std::array<float, 4> w{};
    for (int i = 0; i < 4; ++i) {
      auto n = parse_number(parts[i]);
      if (!n) bad_emotion(text, fmt::format("weight {} ('{}') is not a number", i + 1, trim(parts[i])));
      w[i] = static_cast<float>(*n);
    }
    return from_probabilities(w);
  }
  if (auto q = parse_quadrant(t)) return from_quadrant(*q);
  bad_emotion(text, "not a quadrant or mood");
}

Quadrant EmotionMix::dominant() const noexcept {
  int best = 0;
  for (int i = 1; i < kNumQuadrants; ++i)
    if (p_[i] > p_[best]) best = i;
  return static_cast<Quadrant>(best);
}

float EmotionMix::valence() const noexcept {
  float v = 0.0f;
  for (int i = 0; i < kNumQuadrants; ++i) v += p_[i] * kCornerValence[i];
  return std::clamp(v, -1.0f, 1.0f);
}

float EmotionMix::arousal() const noexcept {
  float a = 0.0f;
  for (int i = 0; i < kNumQuadrants; ++i) a += p_[i] * kCornerArousal[i];
  return std::clamp(a, -1.0f, 1.0f);
}

EmotionMix EmotionMix::lerp(const EmotionMix& a, const EmotionMix& b, float t) noexcept {
  if (!(t > 0.0f)) return a;  // also catches NaN
  if (t >= 1.0f) return b;
  EmotionMix m;
  for (int i = 0; i < kNumQuadrants; ++i) m.p_[i] = (1.0f - t) * a.p_[i] + t * b.p_[i];
  return m;
}

std::string EmotionMix::to_string() const {
  for (int i = 0; i < kNumQuadrants; ++i)
    if (p_[i] >= 1.0f - 1e-6f) return quadrant_name(static_cast<Quadrant>(i));
  return fmt::format("{:.2f},{:.2f},{:.2f},{:.2f}", p_[0], p_[1], p_[2], p_[3]);
}

EmotionTrajectory::EmotionTrajectory(const EmotionMix& constant) : keys_{{0.0, constant}} {}

EmotionTrajectory::EmotionTrajectory(std::vector<Keyframe> keyframes) : keys_(std::move(keyframes)) {
  for (const auto& k : keys_)
    if (!std::isfinite(k.bar) || k.bar < 0.0)
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("emotion keyframe bar {} must be a finite number >= 0", k.bar));
  // Stable, so two keyframes at the same bar keep their order: a step change.
  std::stable_sort(keys_.begin(), keys_.end(), [](const Keyframe& a, const Keyframe& b) { return a.bar < b.bar; });
}

EmotionTrajectory EmotionTrajectory::parse(std::string_view text) {
  std::string_view t = trim(text);
  if (t.empty()) throw Error(ErrorCode::invalid_argument, "emotion trajectory is empty");
  // No '@' at all: one emotion held throughout (its text may contain commas).
  if (t.find('@') == std::string_view::npos) return EmotionTrajectory(EmotionMix::parse(t));
  std::vector<Keyframe> keys;
  for (std::string_view item : split_on(t, ',', ',')) {
    item = trim(item);
    auto at = item.rfind('@');
    if (item.empty() || at == std::string_view::npos)
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("emotion trajectory '{}': keyframe '{}' is not EMOTION@BAR", text, item));
    auto bar = parse_number(item.substr(at + 1));
    if (!bar || !std::isfinite(*bar) || *bar < 0.0)
      throw Error(ErrorCode::invalid_argument, fmt::format("emotion trajectory '{}': bar '{}' is not a number >= 0",
                                                           text, trim(item.substr(at + 1))));
    keys.push_back({*bar, EmotionMix::parse(item.substr(0, at))});
  }
  return EmotionTrajectory(std::move(keys));
}

EmotionMix EmotionTrajectory::at(double bar) const {
  if (keys_.empty()) throw Error(ErrorCode::invalid_argument, "emotion trajectory has no keyframes");
  if (std::isnan(bar)) throw Error(ErrorCode::invalid_argument, "emotion trajectory queried at NaN bar");
  // First keyframe strictly after `bar`; the one before it is the last at or before.
  auto next = std::upper_bound(keys_.begin(), keys_.end(), bar, [](double b, const Keyframe& k) { return b < k.bar; });
  if (next == keys_.begin()) return keys_.front().emotion;
  if (next == keys_.end()) return keys_.back().emotion;
  const Keyframe& prev = *(next - 1);
  double t = (bar - prev.bar) / (next->bar - prev.bar);
  return EmotionMix::lerp(prev.emotion, next->emotion, static_cast<float>(t));
}

}  // namespace emopiano
