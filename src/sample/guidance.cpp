#include "sample/guidance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "emopiano/tokenizer.hpp"

namespace emopiano::sample {

void apply_guidance(float* cond, const float* uncond, int32_t vocab, float w) {
  for (int32_t i = 0; i < vocab; ++i) cond[i] = uncond[i] + w * (cond[i] - uncond[i]);
}

float resolve_guidance(float requested, const std::string& metadata_json) {
  if (requested >= 0.0f) return requested;
  // Only a model that saw the null emotion in training has an unconditional
  // distribution to contrast with; for others guidance would extrapolate
  // from an input they never met.
  auto j = nlohmann::json::parse(metadata_json, nullptr, false);
  const bool null_emotion = j.is_object() && j.value("null_emotion", false);
  return null_emotion ? kDefaultGuidance : 1.0f;
}

float resolve_rhythm_guidance(float requested, float weight) {
  return requested >= 0.0f ? requested : std::min(weight, kDefaultRhythmGuidance);
}

namespace {

// The families whose members say what is played; every other token (Bar,
// Position, Pedal, EOS, ...) is rhythm.
constexpr const char* kContentFamilies[] = {"Pitch", "Velocity", "Duration", "Chord", "Tempo"};

}  // namespace

SplitGuidance::SplitGuidance(const Tokenizer& tokenizer, float weight, float rhythm)
    : weight_(weight), rhythm_(rhythm) {
  const int32_t vocab = tokenizer.vocab_size();
  family_.assign(static_cast<size_t>(vocab), -1);
  std::map<std::string, int16_t> index;
  for (int32_t id = 0; id < vocab; ++id) {
    const std::string name = tokenizer.token_to_string(id);
    const std::string prefix = name.substr(0, name.find('_'));
    if (std::find(std::begin(kContentFamilies), std::end(kContentFamilies), prefix) == std::end(kContentFamilies))
      continue;
    auto it = index.emplace(prefix, static_cast<int16_t>(index.size())).first;
    family_[static_cast<size_t>(id)] = it->second;
  }
  families_ = static_cast<int16_t>(index.size());
  guided_.resize(static_cast<size_t>(vocab));
}

void SplitGuidance::apply(float* cond, const float* uncond) {
  const size_t vocab = family_.size();
  if (rhythm_ == weight_) {
    apply_guidance(cond, uncond, static_cast<int32_t>(vocab), weight_);
    return;
  }
  // cond becomes the rhythm-weighted logits, guided_ the fully weighted ones;
  // then each content family's tokens take the fully weighted distribution
  // within the family, scaled to the family's rhythm-weighted mass:
  // logit = LSE_family(rhythm) + guided - LSE_family(guided).
  const size_t F = static_cast<size_t>(families_);
  rhythm_max_.assign(F, -std::numeric_limits<float>::infinity());
  weight_max_.assign(F, -std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < vocab; ++i) {
    guided_[i] = uncond[i] + weight_ * (cond[i] - uncond[i]);
    cond[i] = uncond[i] + rhythm_ * (cond[i] - uncond[i]);
    const int16_t f = family_[i];
    if (f < 0) continue;
    rhythm_max_[static_cast<size_t>(f)] = std::max(rhythm_max_[static_cast<size_t>(f)], cond[i]);
    weight_max_[static_cast<size_t>(f)] = std::max(weight_max_[static_cast<size_t>(f)], guided_[i]);
  }
  rhythm_mass_.assign(F, 0.0);
  weight_mass_.assign(F, 0.0);
  for (size_t i = 0; i < vocab; ++i) {
    const int16_t f = family_[i];
    if (f < 0) continue;
    const auto s = static_cast<size_t>(f);
    rhythm_mass_[s] += std::exp(static_cast<double>(cond[i] - rhythm_max_[s]));
    weight_mass_[s] += std::exp(static_cast<double>(guided_[i] - weight_max_[s]));
  }
  for (size_t i = 0; i < vocab; ++i) {
    const int16_t f = family_[i];
    if (f < 0) continue;
    const auto s = static_cast<size_t>(f);
    if (!std::isfinite(rhythm_max_[s]) || !std::isfinite(weight_max_[s])) continue;
    const double lse_rhythm = rhythm_max_[s] + std::log(rhythm_mass_[s]);
    const double lse_weight = weight_max_[s] + std::log(weight_mass_[s]);
    cond[i] = static_cast<float>(lse_rhythm + (guided_[i] - lse_weight));
  }
}

}  // namespace emopiano::sample
