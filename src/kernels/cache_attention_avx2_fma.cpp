// AVX2 + FMA: as the AVX-512 kernel with 32-byte loads of 16 bf16 values,
// widened by a shift and a mask to the even- and odd-indexed values. Scores
// come eight positions at a time, added across lanes together; the last
// D % 16 values of a row (when D is not a multiple of 16) are summed one by
// one.
#include "kernels/cache_attention_kernels.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/avx2_softmax.hpp"
#include "kernels/bf16.hpp"

namespace emopiano::kernels::detail {

namespace {

constexpr int64_t kChunk = 16;  // bf16 values in one 32-byte load

EMOPIANO_TARGET inline void widen(const uint16_t* row, __m256& even, __m256& odd) {
  const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row));
  even = _mm256_castsi256_ps(_mm256_slli_epi32(raw, 16));
  odd = _mm256_castsi256_ps(_mm256_and_si256(raw, _mm256_set1_epi32(static_cast<int>(0xffff0000u))));
}

// scores[s] = scale * q.k_s for s < S, written in whole blocks of eight.
EMOPIANO_TARGET void score_rows(const float* q, const float* q_split, const uint16_t* keys, int64_t S, int64_t D,
                                float scale, float* scores) {
  const int64_t chunks = D / kChunk;
  for (int64_t s0 = 0; s0 < S; s0 += kBlock) {
    const uint16_t* rows[kBlock];
    for (int r = 0; r < kBlock; ++r) rows[r] = keys + std::min<int64_t>(s0 + r, S - 1) * D;
    __m256 acc[kBlock];
    for (int r = 0; r < kBlock; ++r) acc[r] = _mm256_setzero_ps();
    for (int64_t c = 0; c < chunks; ++c) {
      const __m256 qe = _mm256_loadu_ps(q_split + c * kChunk), qo = _mm256_loadu_ps(q_split + c * kChunk + 8);
#pragma GCC unroll 8
      for (int r = 0; r < kBlock; ++r) {
        __m256 e, o;
        widen(rows[r] + c * kChunk, e, o);
        acc[r] = _mm256_fmadd_ps(o, qo, _mm256_fmadd_ps(e, qe, acc[r]));
      }
    }
    __m256 dots = sum_lanes_of_8(acc);
    if (chunks * kChunk < D) {
      alignas(32) float tail[kBlock];
      for (int r = 0; r < kBlock; ++r) {
        float t = 0.0f;
        for (int64_t d = chunks * kChunk; d < D; ++d) t += q[d] * from_bf16(rows[r][d]);
        tail[r] = t;
      }
      dots = _mm256_add_ps(dots, _mm256_load_ps(tail));
    }
    _mm256_storeu_ps(scores + s0, _mm256_mul_ps(dots, _mm256_set1_ps(scale)));
  }
}

// As the AVX-512 kernel's: even and odd sums of chunks c0..c0 + G - 1, U
// positions at a time (U sets of sums for independent FMA chains; four
// chunks fill half the sixteen registers with one set).
template <int G, int U>
EMOPIANO_TARGET void weighted_chunks(const float* p, const uint16_t* values, int64_t S, int64_t D, int64_t c0,
                                     float* sums) {
  __m256 acc[U][G][2];
  for (int g = 0; g < G; ++g)
    for (int u = 0; u < U; ++u) acc[u][g][0] = acc[u][g][1] = _mm256_setzero_ps();
  const uint16_t* base = values + c0 * kChunk;
  int64_t s = 0;
  for (; s + U <= S; s += U) {
    for (int u = 0; u < U; ++u) {
      const __m256 w = _mm256_set1_ps(p[s + u]);
      for (int g = 0; g < G; ++g) {
        __m256 e, o;
        widen(base + (s + u) * D + g * kChunk, e, o);
        acc[u][g][0] = _mm256_fmadd_ps(e, w, acc[u][g][0]);
        acc[u][g][1] = _mm256_fmadd_ps(o, w, acc[u][g][1]);
      }
    }
  }
  for (; s < S; ++s) {
    const __m256 w = _mm256_set1_ps(p[s]);
    for (int g = 0; g < G; ++g) {
      __m256 e, o;
      widen(base + s * D + g * kChunk, e, o);
      acc[0][g][0] = _mm256_fmadd_ps(e, w, acc[0][g][0]);
      acc[0][g][1] = _mm256_fmadd_ps(o, w, acc[0][g][1]);
    }
  }
  for (int g = 0; g < G; ++g) {
    for (int u = 1; u < U; ++u) {
      acc[0][g][0] = _mm256_add_ps(acc[0][g][0], acc[u][g][0]);
      acc[0][g][1] = _mm256_add_ps(acc[0][g][1], acc[u][g][1]);
    }
    _mm256_storeu_ps(sums + (c0 + g) * kChunk, acc[0][g][0]);
    _mm256_storeu_ps(sums + (c0 + g) * kChunk + 8, acc[0][g][1]);
  }
}

}  // namespace

EMOPIANO_TARGET void cache_attention_avx2_fma(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S,
                                              int64_t D, float scale, float* scratch, float* out) {
  const int64_t chunks = D / kChunk, vector_dims = chunks * kChunk;
  // scratch: q split into even and odd values per chunk, the sums, the scores.
  float* q_split = scratch;
  float* sums = q_split + vector_dims;
  float* p = sums + vector_dims;
  for (int64_t c = 0; c < chunks; ++c) {
    for (int64_t i = 0; i < 8; ++i) {
      q_split[c * kChunk + i] = q[c * kChunk + 2 * i];
      q_split[c * kChunk + 8 + i] = q[c * kChunk + 2 * i + 1];
    }
  }
  score_rows(q, q_split, keys, S, D, scale, p);
  const float inv = 1.0f / exponentiate(p, S);
  // Each value row in as few passes as the registers allow: one for D = 64.
  int64_t c = 0;
  for (; c + 4 <= chunks; c += 4) weighted_chunks<4, 1>(p, values, S, D, c, sums);
  for (; c + 2 <= chunks; c += 2) weighted_chunks<2, 2>(p, values, S, D, c, sums);
  if (c < chunks) weighted_chunks<1, 2>(p, values, S, D, c, sums);
  for (int64_t d = 0; d < vector_dims; ++d) out[d] = sums[d / kChunk * kChunk + (d % 2) * 8 + (d % kChunk) / 2] * inv;
  for (int64_t d = vector_dims; d < D; ++d) {
    float t = 0.0f;
    for (int64_t s = 0; s < S; ++s) t += p[s] * from_bf16(values[s * D + d]);
    out[d] = t * inv;
  }
}

}  // namespace emopiano::kernels::detail
#endif
