// AVX2 + FMA over int8 rows: eight bytes of a row are widened to eight
// floats (sign extension, then conversion), which meet eight values of q.
// Scores come eight positions at a time, added across lanes together as in
// the bf16 AVX2 kernel, then multiplied by the eight rows' scales; the value
// rows are summed into registers with each position's weight already
// multiplied by its row's scale. The last D % 8 values of a row are summed
// one by one.
#include "kernels/cache_attention_kernels.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/avx2_softmax.hpp"
#include "kernels/int8_cache_rows.hpp"

namespace emopiano::kernels::detail {

namespace {

constexpr int64_t kChunk = 8;  // int8 values widened to one vector of floats

EMOPIANO_TARGET inline __m256 widen(const int8_t* p) {
  int64_t bytes;
  std::memcpy(&bytes, p, sizeof bytes);
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128(bytes)));
}

// scores[s] = scale * s_k * q.k_s for s < S, in whole blocks of eight (the
// lanes past S hold copies of the last score).
EMOPIANO_TARGET void score_rows(const float* q, const int8_t* keys, int64_t S, int64_t D, float scale, float* scores) {
  const int64_t chunks = D / kChunk, R = int8_row_bytes(D);
  for (int64_t s0 = 0; s0 < S; s0 += kBlock) {
    const int8_t* rows[kBlock];
    alignas(32) float row_scales[kBlock];
    for (int r = 0; r < kBlock; ++r) {
      rows[r] = keys + std::min<int64_t>(s0 + r, S - 1) * R;
      row_scales[r] = int8_row_scale(rows[r], D);
    }
    __m256 acc[kBlock];
    for (int r = 0; r < kBlock; ++r) acc[r] = _mm256_setzero_ps();
    for (int64_t c = 0; c < chunks; ++c) {
      const __m256 qc = _mm256_loadu_ps(q + c * kChunk);
#pragma GCC unroll 8
      for (int r = 0; r < kBlock; ++r) acc[r] = _mm256_fmadd_ps(widen(rows[r] + c * kChunk), qc, acc[r]);
    }
    __m256 dots = sum_lanes_of_8(acc);
    if (chunks * kChunk < D) {
      alignas(32) float tail[kBlock];
      for (int r = 0; r < kBlock; ++r) {
        float t = 0.0f;
        for (int64_t d = chunks * kChunk; d < D; ++d) t += q[d] * static_cast<float>(rows[r][d]);
        tail[r] = t;
      }
      dots = _mm256_add_ps(dots, _mm256_load_ps(tail));
    }
    const __m256 scaled = _mm256_mul_ps(_mm256_load_ps(row_scales), _mm256_set1_ps(scale));
    _mm256_storeu_ps(scores + s0, _mm256_mul_ps(dots, scaled));
  }
}

// sums[c * 8 + i] = sum_s p[s] s_v v_s[c * 8 + i] for chunks c0..c0 + G - 1,
// U positions at a time (U sets of sums for independent FMA chains).
template <int G, int U>
EMOPIANO_TARGET void weighted_chunks(const float* p, const int8_t* values, int64_t S, int64_t D, int64_t c0,
                                     float* sums) {
  const int64_t R = int8_row_bytes(D);
  __m256 acc[U][G];
  for (int u = 0; u < U; ++u)
    for (int g = 0; g < G; ++g) acc[u][g] = _mm256_setzero_ps();
  const int8_t* base = values + c0 * kChunk;
  int64_t s = 0;
  for (; s + U <= S; s += U) {
    for (int u = 0; u < U; ++u) {
      const int8_t* row = base + (s + u) * R;
      const __m256 w = _mm256_set1_ps(p[s + u] * int8_row_scale(values + (s + u) * R, D));
      for (int g = 0; g < G; ++g) acc[u][g] = _mm256_fmadd_ps(widen(row + g * kChunk), w, acc[u][g]);
    }
  }
  for (; s < S; ++s) {
    const int8_t* row = base + s * R;
    const __m256 w = _mm256_set1_ps(p[s] * int8_row_scale(values + s * R, D));
    for (int g = 0; g < G; ++g) acc[0][g] = _mm256_fmadd_ps(widen(row + g * kChunk), w, acc[0][g]);
  }
  for (int g = 0; g < G; ++g) {
    for (int u = 1; u < U; ++u) acc[0][g] = _mm256_add_ps(acc[0][g], acc[u][g]);
    _mm256_storeu_ps(sums + (c0 + g) * kChunk, acc[0][g]);
  }
}

}  // namespace

EMOPIANO_TARGET void cache_attention_int8_avx2_fma(const float* q, const int8_t* keys, const int8_t* values, int64_t S,
                                                   int64_t D, float scale, float* scratch, float* out) {
  const int64_t chunks = D / kChunk, vector_dims = chunks * kChunk, R = int8_row_bytes(D);
  // scratch: the sums (whole chunks), then the scores (whole blocks).
  float* sums = scratch;
  float* p = sums + (D + 31) / 32 * 32;
  score_rows(q, keys, S, D, scale, p);
  const float inv = 1.0f / exponentiate(p, S);
  // Each value row in as few passes as the registers allow: one for D = 64
  // (eight chunks, eight sums).
  int64_t c = 0;
  for (; c + 8 <= chunks; c += 8) weighted_chunks<8, 1>(p, values, S, D, c, sums);
  for (; c + 4 <= chunks; c += 4) weighted_chunks<4, 2>(p, values, S, D, c, sums);
  for (; c < chunks; ++c) weighted_chunks<1, 2>(p, values, S, D, c, sums);
  for (int64_t d = 0; d < vector_dims; ++d) out[d] = sums[d] * inv;
  for (int64_t d = vector_dims; d < D; ++d) {
    float t = 0.0f;
    for (int64_t s = 0; s < S; ++s)
      t += p[s] * int8_row_scale(values + s * R, D) * static_cast<float>(values[s * R + d]);
    out[d] = t * inv;
  }
}

}  // namespace emopiano::kernels::detail
#endif
