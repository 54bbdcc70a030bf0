// The parts of the AVX2 single-query attention kernels that do not depend
// on how the cache stores its values (bf16 or int8): adding eight rows'
// lanes at once, and the softmax's exponentials. Included only by files
// compiled for AVX2 and FMA through the target attribute below.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#define EMOPIANO_TARGET __attribute__((target("avx2,fma")))

namespace emopiano::kernels::detail {

constexpr int kBlock = 8;  // positions scored together

// Lane i of the result is the sum of the eight lanes of x[i].
EMOPIANO_TARGET inline __m256 sum_lanes_of_8(const __m256* x) {
  __m256 pairs[4];
  for (int i = 0; i < 4; ++i) {
    pairs[i] = _mm256_add_ps(_mm256_unpacklo_ps(x[2 * i], x[2 * i + 1]), _mm256_unpackhi_ps(x[2 * i], x[2 * i + 1]));
  }
  const __m256 q0 =
      _mm256_add_ps(_mm256_shuffle_ps(pairs[0], pairs[1], 0x44), _mm256_shuffle_ps(pairs[0], pairs[1], 0xEE));
  const __m256 q1 =
      _mm256_add_ps(_mm256_shuffle_ps(pairs[2], pairs[3], 0x44), _mm256_shuffle_ps(pairs[2], pairs[3], 0xEE));
  return _mm256_add_ps(_mm256_permute2f128_ps(q0, q1, 0x20), _mm256_permute2f128_ps(q0, q1, 0x31));
}

// exp(x) for x <= 0, as in the AVX-512 kernel, with 2^n built in the exponent bits.
EMOPIANO_TARGET inline __m256 exp_nonpositive(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(scale));
}

// The unnormalised softmax in place and its total; lanes past S set to 0.
EMOPIANO_TARGET inline float exponentiate(float* scores, int64_t S) {
  const int64_t padded = (S + kBlock - 1) / kBlock * kBlock;
  for (int64_t s = S; s < padded; ++s) scores[s] = -INFINITY;
  __m256 top = _mm256_set1_ps(-INFINITY);
  for (int64_t s = 0; s < padded; s += kBlock) top = _mm256_max_ps(top, _mm256_loadu_ps(scores + s));
  alignas(32) float lanes[kBlock];
  _mm256_store_ps(lanes, top);
  const __m256 largest = _mm256_set1_ps(*std::max_element(lanes, lanes + kBlock));
  __m256 total = _mm256_setzero_ps();
  for (int64_t s = 0; s < padded; s += kBlock) {
    _mm256_storeu_ps(scores + s, exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(scores + s), largest)));
  }
  for (int64_t s = S; s < padded; ++s) scores[s] = 0.0f;
  for (int64_t s = 0; s < padded; s += kBlock) total = _mm256_add_ps(total, _mm256_loadu_ps(scores + s));
  _mm256_store_ps(lanes, total);
  return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
}

}  // namespace emopiano::kernels::detail
#endif
