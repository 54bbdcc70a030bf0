#include "kernels/gelu.hpp"

#include <cmath>
#include <cstring>

namespace emopiano::kernels {

namespace {

// Plain arithmetic with no calls and no branches, so the compiler vectorises
// the loop for each instruction set it is stamped out for.
// Plain arithmetic with no calls and no float comparisons (which the
// vectoriser will not turn into selects), so the compiler vectorises the
// loop for each instruction set it is stamped out for.
#define EMOPIANO_GELU_LOOP(suffix, target)                                                                        \
  target void gelu_##suffix(float* x, int64_t n) {                                                                \
    for (int64_t i = 0; i < n; ++i) {                                                                             \
      const float v = x[i];                                                                                       \
      const float z = v * 0.70710678118654752f; /* erf argument */                                                \
      const float a = std::fabs(z);                                                                               \
      /* exp(-a^2) for a clamped to 9 (erf(9) is 1 in float), compared as integers */                             \
      int32_t a_bits;                                                                                             \
      std::memcpy(&a_bits, &a, sizeof a);                                                                         \
      a_bits = a_bits < 0x41100000 ? a_bits : 0x41100000;                                                         \
      float ac;                                                                                                   \
      std::memcpy(&ac, &a_bits, sizeof ac);                                                                       \
      const float e_arg = -ac * ac;                                                                               \
      /* 2^k * p(r), r = e_arg - k ln 2 in [-ln 2 / 2, ln 2 / 2] (Cephes expf) */                                 \
      const int32_t k = static_cast<int32_t>(e_arg * 1.44269504f - 0.5f);                                         \
      const float kf = static_cast<float>(k);                                                                     \
      const float r = (e_arg - kf * 0.693359375f) + kf * 2.12194440e-4f;                                          \
      float p = 1.9875691500e-4f;                                                                                 \
      p = p * r + 1.3981999507e-3f;                                                                               \
      p = p * r + 8.3334519073e-3f;                                                                               \
      p = p * r + 4.1665795894e-2f;                                                                               \
      p = p * r + 1.6666665459e-1f;                                                                               \
      p = p * r + 5.0000001201e-1f;                                                                               \
      p = (p * r) * r + r + 1.0f;                                                                                 \
      const int32_t bits = (k + 127) << 23;                                                                       \
      float scale;                                                                                                \
      std::memcpy(&scale, &bits, sizeof scale);                                                                   \
      const float e = p * scale;                                                                                  \
      const float t = 1.0f / (1.0f + 0.3275911f * a);                                                             \
      const float poly =                                                                                          \
          t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f)))); \
      const float erf_z = std::copysign(1.0f - poly * e, z);                                                      \
      x[i] = 0.5f * v * (1.0f + erf_z);                                                                           \
    }                                                                                                             \
  }

EMOPIANO_GELU_LOOP(generic, )
#if defined(__x86_64__) && defined(__GNUC__)
EMOPIANO_GELU_LOOP(avx2, __attribute__((target("avx2,fma"))))
EMOPIANO_GELU_LOOP(avx512, __attribute__((target("avx512f"))))
#endif

using GeluLoop = void (*)(float*, int64_t);

GeluLoop choose() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx512f")) return gelu_avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return gelu_avx2;
#endif
  return gelu_generic;
}

}  // namespace

void gelu(float* x, int64_t n) {
  static const GeluLoop loop = choose();
  loop(x, n);
}

}  // namespace emopiano::kernels
