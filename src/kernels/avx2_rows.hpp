// Eight values of a float32 or bf16 row at a time, and eight lanes of the
// dropout mask (causal_softmax.hpp's hash): what the AVX2 causal softmax and
// the AVX2 row dropout share. Included only by files compiled for AVX2 and
// FMA through EMOPIANO_TARGET.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx2_softmax.hpp"
#include "kernels/causal_softmax.hpp"

namespace emopiano::kernels::detail {

// bf16 widened by a shift.
EMOPIANO_TARGET inline __m256 load8(ScoreType type, const void* base, int64_t i) {
  if (type == ScoreType::f32) return _mm256_loadu_ps(static_cast<const float*>(base) + i);
  const __m128i half = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(base) + i));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(half), 16));
}

// bf16 narrowed with round-to-nearest-even, as vcvtneps2bf16 and to_bf16.
EMOPIANO_TARGET inline void store8(ScoreType type, void* base, int64_t i, __m256 v) {
  if (type == ScoreType::f32) {
    _mm256_storeu_ps(static_cast<float*>(base) + i, v);
    return;
  }
  __m256i u = _mm256_castps_si256(v);
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
  u = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7fff), odd)), 16);
  // Per 128-bit lane [u0..u3 u0..u3 | u4..u7 u4..u7]; quads 0 and 2 hold u0..u7.
  const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(u, u), 0x08);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(static_cast<uint16_t*>(base) + i), _mm256_castsi256_si128(packed));
}

// All ones in the lanes of keys j..j+7 that dropout keeps (dropout_keeps,
// eight at a time).
EMOPIANO_TARGET inline __m256 keep8(uint32_t row_key, int64_t j, __m256i threshold_minus_one) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i h =
      _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(row_key + static_cast<uint32_t>(j) * kDropoutKeyStep)),
                       _mm256_mullo_epi32(lanes, _mm256_set1_epi32(static_cast<int>(kDropoutKeyStep))));
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
  h = _mm256_mullo_epi32(h, _mm256_set1_epi32(static_cast<int>(0x85ebca6bu)));
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 13));
  h = _mm256_mullo_epi32(h, _mm256_set1_epi32(static_cast<int>(0xc2b2ae35u)));
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_srli_epi32(h, 1), threshold_minus_one));
}

}  // namespace emopiano::kernels::detail
#endif
