// Exponential smoothing of a step signal (each row held until the next),
// worked out exactly at any time, then hysteresis on the dominant quadrant.
#include <cmath>

#include <fmt/core.h>

#include "emopiano/capsule.hpp"
#include "emopiano/error.hpp"

namespace emopiano {

void SmoothingParams::validate() const {
  if (!(half_life >= 0.0) || !std::isfinite(half_life))
    throw Error(ErrorCode::invalid_argument, fmt::format("smoothing half-life {:g} must be >= 0", half_life));
  if (!(hysteresis >= 0.0 && hysteresis < 1.0))
    throw Error(ErrorCode::invalid_argument, fmt::format("hysteresis {:g} must be in [0, 1)", hysteresis));
}

EmotionSmoother::EmotionSmoother(const SmoothingParams& params) : params_(params) { params_.validate(); }

std::array<double, 4> EmotionSmoother::smoothed_at(double time) const {
  if (params_.half_life <= 0.0) return target_;
  // Since the last row the input has been that row: the distance to it
  // halves every half-life.
  const double keep = std::exp2(-(time - last_time_) / params_.half_life);
  std::array<double, 4> s{};
  for (size_t k = 0; k < 4; ++k) s[k] = target_[k] + ((*smoothed_)[k] - target_[k]) * keep;
  return s;
}

void EmotionSmoother::add(double time, const EmotionMix& emotion) {
  if (smoothed_ && time < last_time_)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("emotion at {:g} comes before the one at {:g}", time, last_time_));
  std::array<double, 4> x{};
  for (size_t k = 0; k < 4; ++k) x[k] = emotion.probabilities()[k];
  smoothed_ = smoothed_ ? smoothed_at(time) : x;
  target_ = x;
  last_time_ = time;
}

EmotionMix EmotionSmoother::at(double time) {
  if (!smoothed_) return EmotionMix();
  const auto s = smoothed_at(std::max(time, last_time_));
  const EmotionMix mix = EmotionMix::from_probabilities(
      {static_cast<float>(s[0]), static_cast<float>(s[1]), static_cast<float>(s[2]), static_cast<float>(s[3])});
  if (held_ && mix.dominant() != held_->dominant() &&
      mix[mix.dominant()] - mix[held_->dominant()] <= params_.hysteresis)
    return *held_;  // not clear yet: the music keeps its emotion
  held_ = mix;
  return mix;
}

}  // namespace emopiano
