// SamplingParams validation and names.
#include <cmath>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "emopiano/sampler.hpp"

namespace emopiano {

void SamplingParams::validate() const {
  auto bad = [](const std::string& what) { throw Error(ErrorCode::invalid_argument, "sampling: " + what); };
  if (!std::isfinite(temperature) || temperature < 0.0f) bad(fmt::format("temperature = {} must be >= 0", temperature));
  if (top_k < 0) bad(fmt::format("top_k = {} must be >= 0 (0 = off)", top_k));
  if (!(top_p > 0.0f && top_p <= 1.0f)) bad(fmt::format("top_p = {} must be in (0, 1]", top_p));
  if (max_tokens < 1) bad(fmt::format("max_tokens = {} must be >= 1", max_tokens));
  if (!std::isfinite(guidance) || guidance > 20.0f)
    bad(fmt::format("guidance = {} must be finite and at most 20 (negative = the model's default)", guidance));
  if (!std::isfinite(rhythm_guidance) || rhythm_guidance > 20.0f)
    bad(fmt::format("rhythm_guidance = {} must be finite and at most 20 (negative = the default)", rhythm_guidance));
  if (!std::isfinite(valence_guidance) || valence_guidance > 20.0f)
    bad(fmt::format("valence_guidance = {} must be finite and at most 20 (0 = off, negative = the model's default)",
                    valence_guidance));
  if (!std::isfinite(density) || density < 0.0f || density > kMaxDensity)
    bad(fmt::format("density = {} notes per beat must be in [0, {}] (0 = off)", density, kMaxDensity));
  int per_quadrant = 0;
  for (float d : quadrant_density) {
    if (!std::isfinite(d) || d < 0.0f || d > kMaxDensity)
      bad(fmt::format("quadrant_density = {} notes per beat must be in [0, {}] (all 0 = off)", d, kMaxDensity));
    per_quadrant += d > 0.0f;
  }
  if (per_quadrant != 0 && per_quadrant != kNumQuadrants)
    bad("quadrant_density needs a density > 0 for every quadrant (or all 0: off)");
  if (per_quadrant != 0 && density > 0.0f) bad("set density or quadrant_density, not both");
  if (max_bars < 0) bad(fmt::format("max_bars = {} must be >= 0 (0 = no limit)", max_bars));
  if (beams < 1 || beams > 64) bad(fmt::format("beams = {} must be in [1, 64]", beams));
  if (beams > 1 && temperature != 0.0f)
    bad(fmt::format("beams = {} needs temperature 0 (beam search is greedy decoding), not {}", beams, temperature));
}

float SamplingParams::density_for(const std::array<float, kNumQuadrants>& probabilities) const {
  if (density > 0.0f) return density;
  float target = 0.0f;
  for (int q = 0; q < kNumQuadrants; ++q)
    target += probabilities[static_cast<size_t>(q)] * quadrant_density[static_cast<size_t>(q)];
  return target;
}

const char* stop_reason_name(StopReason reason) noexcept {
  switch (reason) {
    case StopReason::eos: return "eos";
    case StopReason::max_tokens: return "max_tokens";
    case StopReason::dead_end: return "dead_end";
  }
  return "unknown";
}

}  // namespace emopiano
