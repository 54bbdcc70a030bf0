// bfloat16: the upper half of an IEEE float. Weights stored this way take
// half the memory traffic of float32 and widen back exactly.
#pragma once

#include <cstdint>
#include <cstring>

namespace emopiano::kernels {

// Round to nearest, ties to even (what vcvtneps2bf16 does); NaN stays NaN.
inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

inline float from_bf16(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace emopiano::kernels
