// Classifier-free guidance (Ho & Salimans 2022) on one row of logits, and the
// metadata of a model that says whether it learned the null emotion.
#pragma once

#include <cstdint>
#include <string>

namespace emopiano::sample {

// The guidance used when SamplingParams::guidance is negative, for models that
// learned the null emotion: chosen by measurement (docs/evaluation.md).
constexpr float kDefaultGuidance = 3.0f;

// cond[i] = uncond[i] + w * (cond[i] - uncond[i]), in place. w = 1 leaves the
// conditional logits, w = 0 gives the unconditional ones.
void apply_guidance(float* cond, const float* uncond, int32_t vocab, float w);

// The guidance weight for `requested` (negative = the model's default) given
// the model's metadata JSON.
float resolve_guidance(float requested, const std::string& metadata_json);

}  // namespace emopiano::sample
