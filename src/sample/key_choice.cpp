#include "sample/key_choice.hpp"

#include <nlohmann/json.hpp>

#include "sample/random.hpp"

namespace emopiano::sample {

namespace {
// A valence this close to 0 is no side: no modulation on a hair's change.
constexpr float kValenceDeadBand = 0.2f;
}  // namespace

KeyDistribution KeyDistribution::from_metadata(const std::string& metadata_json) {
  KeyDistribution d;
  auto j = nlohmann::json::parse(metadata_json, nullptr, false);
  if (!j.is_object() || !j.contains("key_distribution") || !j["key_distribution"].is_object()) return d;
  const auto& table = j["key_distribution"];
  for (int q = 0; q < kNumQuadrants; ++q) {
    auto it = table.find(quadrant_name(static_cast<Quadrant>(q)));
    if (it == table.end() || !it->is_array() || it->size() != static_cast<size_t>(kNumKeys)) continue;
    double total = 0;
    for (int k = 0; k < kNumKeys; ++k) {
      const auto& v = (*it)[static_cast<size_t>(k)];
      const double c = v.is_number() && v.get<double>() > 0 ? v.get<double>() : 0.0;
      d.frequency_[static_cast<size_t>(q)][static_cast<size_t>(k)] = c;
      total += c;
    }
    if (total <= 0) continue;
    for (auto& f : d.frequency_[static_cast<size_t>(q)]) f /= total;
    d.present_ = true;
  }
  return d;
}

std::array<double, kNumKeys> KeyDistribution::probabilities(const EmotionMix& emotion) const {
  std::array<double, kNumKeys> p{};
  double total = 0;
  if (present_) {
    for (int q = 0; q < kNumQuadrants; ++q)
      for (int k = 0; k < kNumKeys; ++k) {
        p[static_cast<size_t>(k)] +=
            emotion[static_cast<Quadrant>(q)] * frequency_[static_cast<size_t>(q)][static_cast<size_t>(k)];
      }
    for (double x : p) total += x;
  }
  if (total <= 0) {
    p.fill(0.0);
    p[static_cast<size_t>(key_index(emotion.valence() >= 0 ? MusicalKey{0, true} : MusicalKey{9, false}))] = 1.0;
    return p;
  }
  for (double& x : p) x /= total;
  return p;
}

MusicalKey KeyDistribution::draw(const EmotionMix& emotion, double u) const {
  const auto p = probabilities(emotion);
  double acc = 0;
  int last = 0;
  for (int k = 0; k < kNumKeys; ++k) {
    if (p[static_cast<size_t>(k)] <= 0) continue;
    last = k;
    acc += p[static_cast<size_t>(k)];
    if (u < acc) return key_from_index(k);
  }
  return key_from_index(last);  // rounding left u past the sum
}

std::optional<MusicalKey> modulation(const MusicalKey& current, float before, float now) {
  const bool was_positive = before > kValenceDeadBand, was_negative = before < -kValenceDeadBand;
  const bool is_positive = now > kValenceDeadBand, is_negative = now < -kValenceDeadBand;
  const bool flipped = (was_positive && is_negative) || (was_negative && is_positive) ||
                       // from neutral to a side the mode does not fit
                       (!was_positive && !was_negative && (is_positive || is_negative));
  if (!flipped) return std::nullopt;
  if (is_positive == current.major) return std::nullopt;  // the mode already fits
  return current.parallel();
}

MusicalKey opening_key(const std::optional<MusicalKey>& requested, const KeyDistribution& keys,
                       const EmotionMix& emotion, uint64_t seed) {
  Random key_random(seed ^ 0x6b65795f63686f69ULL);
  const double u = key_random.uniform();  // drawn either way: the stream is the key's alone
  return requested ? *requested : keys.draw(emotion, u);
}

std::optional<MusicalKey> key_change_at_bar(const MusicalKey& current, float& key_valence, float now) {
  if (auto k = modulation(current, key_valence, now)) {
    key_valence = now;
    return k;
  }
  if ((now > 0) == current.major) key_valence = now;
  return std::nullopt;
}

}  // namespace emopiano::sample
