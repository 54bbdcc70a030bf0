// Conversions between the C emotion types and the C++ ones, for the sampler.
#pragma once

#include <cstdint>

#include "emopiano.h"
#include "emopiano/emotion.hpp"

namespace emopiano::capi {

// The one place where the C numbering of quadrants meets the C++ one:
// EMOPIANO_Q1..Q4 are 1..4 in C (0 is left invalid, so a zero-filled field
// is caught), Quadrant::Q1..Q4 are 0..3 in C++ (array indices, as p[0] of
// emopiano_emotion). Every C entry point converts through these two;
// to_quadrant throws Error(invalid_argument) out of range.
Quadrant to_quadrant(int32_t quadrant);
int32_t from_quadrant(Quadrant q);

// Validates and normalises a C emotion; throws on NULL or invalid weights.
EmotionMix to_mix(const emopiano_emotion* emotion, const char* name);
emopiano_emotion from_mix(const EmotionMix& mix);

// The trajectory a handle holds; throws on NULL.
const EmotionTrajectory& trajectory_of(const emopiano_trajectory* trajectory);

}  // namespace emopiano::capi
