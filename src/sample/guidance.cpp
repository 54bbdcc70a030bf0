#include "sample/guidance.hpp"

#include <nlohmann/json.hpp>

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

}  // namespace emopiano::sample
