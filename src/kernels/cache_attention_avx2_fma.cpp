// AVX2 + FMA: as the AVX-512 kernel with 32-byte loads of 16 bf16 values,
// widened by a shift and a mask to the even- and odd-indexed values. Scores
// come from the key panels eight positions a vector; in the weighted sum the
// last D % 16 values of a row (when D is not a multiple of 16) are summed
// one by one.
#include "kernels/cache_attention_kernels.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/avx2_softmax.hpp"
#include "kernels/bf16.hpp"
#include "kernels/key_panels.hpp"

namespace emopiano::kernels::detail {

namespace {

constexpr int64_t kChunk = 16;  // bf16 values in one 32-byte load

EMOPIANO_TARGET inline void widen(const uint16_t* row, __m256& even, __m256& odd) {
  const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row));
  even = _mm256_castsi256_ps(_mm256_slli_epi32(raw, 16));
  odd = _mm256_castsi256_ps(_mm256_and_si256(raw, _mm256_set1_epi32(static_cast<int>(0xffff0000u))));
}

// The scores of NB panels from panel b0 (key_panels.hpp): scores[s] = scale
// * q.k_s for their 16 NB positions. A 32-byte load is eight positions'
// values 2j and 2j + 1, widened to one vector of each.
template <int NB>
EMOPIANO_TARGET void score_panels(const float* q, const uint16_t* keys, int64_t b0, int64_t D, float scale,
                                  float* scores) {
  const int64_t pairs = (D + 1) / 2, panel = key_panel_values(D);
  __m256 acc[NB][2][2];  // panel, half, even / odd values
  for (int b = 0; b < NB; ++b)
    for (int h = 0; h < 2; ++h) acc[b][h][0] = acc[b][h][1] = _mm256_setzero_ps();
  for (int64_t j = 0; j < pairs; ++j) {
    const __m256 qe = _mm256_set1_ps(q[2 * j]), qo = _mm256_set1_ps(2 * j + 1 < D ? q[2 * j + 1] : 0.0f);
    for (int b = 0; b < NB; ++b) {
      const uint16_t* run = keys + (b0 + b) * panel + j * 2 * kPanelPositions;
      for (int h = 0; h < 2; ++h) {
        __m256 e, o;
        widen(run + h * 16, e, o);
        acc[b][h][0] = _mm256_fmadd_ps(e, qe, acc[b][h][0]);
        acc[b][h][1] = _mm256_fmadd_ps(o, qo, acc[b][h][1]);
      }
    }
  }
  for (int b = 0; b < NB; ++b)
    for (int h = 0; h < 2; ++h)
      _mm256_storeu_ps(scores + (b0 + b) * kPanelPositions + h * 8,
                       _mm256_mul_ps(_mm256_add_ps(acc[b][h][0], acc[b][h][1]), _mm256_set1_ps(scale)));
}

// The scores of S positions, written in whole panels (the lanes past S are
// whatever the panel's unwritten positions give; exponentiate() drops them).
EMOPIANO_TARGET void score_keys(const float* q, const uint16_t* keys, int64_t S, int64_t D, float scale,
                                float* scores) {
  const int64_t panels = (S + kPanelPositions - 1) / kPanelPositions;
  int64_t b = 0;
  for (; b + 2 <= panels; b += 2) score_panels<2>(q, keys, b, D, scale, scores);
  if (b < panels) score_panels<1>(q, keys, b, D, scale, scores);
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
  // scratch: the sums, then the scores.
  float* sums = scratch;
  float* p = sums + vector_dims;
  score_keys(q, keys, S, D, scale, p);
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
