// AVX-512 (F, BW and VL): one 64-byte load holds 32 bf16 values of a row; a
// shift and a mask widen them to the even- and odd-indexed values as two
// float vectors, which meet q split the same way. Scores come sixteen
// positions at a time: sixteen rows' partial sums are added across their
// lanes together, in a tree of shuffles, into one vector of sixteen scores.
// The value rows are summed position by position into registers, two
// positions at a time for independent FMA chains. The query heads that share
// a K/V head (grouped-query attention) go through together, two or four at
// once, so that each row is loaded and widened once for all of them.
#include "kernels/cache_attention_kernels.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

// GCC 12 reports the deliberately undefined source vector inside
// _mm512_slli_epi32 as maybe uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>
#include <cmath>

#include "kernels/avx512_softmax.hpp"

namespace emopiano::kernels::detail {

namespace {

constexpr int64_t kChunk = 32;  // bf16 values in one 64-byte load

EMOPIANO_TARGET inline __mmask32 chunk_mask(int64_t left) {
  return left >= kChunk ? static_cast<__mmask32>(0xffffffffu) : static_cast<__mmask32>((1u << left) - 1u);
}

EMOPIANO_TARGET inline void widen(__m512i raw, __m512& even, __m512& odd) {
  even = _mm512_castsi512_ps(_mm512_slli_epi32(raw, 16));
  odd = _mm512_castsi512_ps(_mm512_and_si512(raw, _mm512_set1_epi32(static_cast<int>(0xffff0000u))));
}

// scores[s] = scale * q.k_s for s < S, written in whole blocks of sixteen
// (the lanes past S hold copies of the last score).
EMOPIANO_TARGET void score_rows(const float* q_split, const uint16_t* keys, int64_t S, int64_t D, float scale,
                                float* scores) {
  const int64_t chunks = (D + kChunk - 1) / kChunk;
  for (int64_t s0 = 0; s0 < S; s0 += kBlock) {
    const uint16_t* rows[kBlock];
    for (int r = 0; r < kBlock; ++r) rows[r] = keys + std::min<int64_t>(s0 + r, S - 1) * D;
    __m512 acc[kBlock];
    for (int r = 0; r < kBlock; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t c = 0; c < chunks; ++c) {
      const __mmask32 mask = chunk_mask(D - c * kChunk);
      const __m512 qe = _mm512_loadu_ps(q_split + c * kChunk), qo = _mm512_loadu_ps(q_split + c * kChunk + 16);
#pragma GCC unroll 16
      for (int r = 0; r < kBlock; ++r) {
        __m512 e, o;
        widen(_mm512_maskz_loadu_epi16(mask, rows[r] + c * kChunk), e, o);
        acc[r] = _mm512_fmadd_ps(o, qo, _mm512_fmadd_ps(e, qe, acc[r]));
      }
    }
    _mm512_storeu_ps(scores + s0, _mm512_mul_ps(sum_lanes_of_16(acc), _mm512_set1_ps(scale)));
  }
}

// sums[c * 32 + i] (i < 16) = sum_s p[s] v_s[c * 32 + 2i], and
// sums[c * 32 + 16 + i] the odd value beside it, for chunks c0..c0 + G - 1.
template <int G>
EMOPIANO_TARGET void weighted_chunks(const float* p, const uint16_t* values, int64_t S, int64_t D, int64_t c0,
                                     float* sums) {
  __m512 acc[2][G][2];
  __mmask32 masks[G];
  for (int g = 0; g < G; ++g) {
    masks[g] = chunk_mask(D - (c0 + g) * kChunk);
    for (int u = 0; u < 2; ++u) acc[u][g][0] = acc[u][g][1] = _mm512_setzero_ps();
  }
  const uint16_t* base = values + c0 * kChunk;
  int64_t s = 0;
  for (; s + 2 <= S; s += 2) {
    for (int u = 0; u < 2; ++u) {
      const __m512 w = _mm512_set1_ps(p[s + u]);
      for (int g = 0; g < G; ++g) {
        __m512 e, o;
        widen(_mm512_maskz_loadu_epi16(masks[g], base + (s + u) * D + g * kChunk), e, o);
        acc[u][g][0] = _mm512_fmadd_ps(e, w, acc[u][g][0]);
        acc[u][g][1] = _mm512_fmadd_ps(o, w, acc[u][g][1]);
      }
    }
  }
  if (s < S) {
    const __m512 w = _mm512_set1_ps(p[s]);
    for (int g = 0; g < G; ++g) {
      __m512 e, o;
      widen(_mm512_maskz_loadu_epi16(masks[g], base + s * D + g * kChunk), e, o);
      acc[0][g][0] = _mm512_fmadd_ps(e, w, acc[0][g][0]);
      acc[0][g][1] = _mm512_fmadd_ps(o, w, acc[0][g][1]);
    }
  }
  for (int g = 0; g < G; ++g) {
    _mm512_storeu_ps(sums + (c0 + g) * kChunk, _mm512_add_ps(acc[0][g][0], acc[1][g][0]));
    _mm512_storeu_ps(sums + (c0 + g) * kChunk + 16, _mm512_add_ps(acc[0][g][1], acc[1][g][1]));
  }
}

// The scores of G queries (G = 2 or 4) over a run of keys: 16 / G rows at
// a time, each row loaded and widened once for all G, the G x 16 / G
// partial sums added across their lanes together (accumulator g * R + r).
// scores + g * stride: query g's scores, written in whole blocks of R.
template <int G>
EMOPIANO_TARGET void score_rows_group(const float* q_split, const uint16_t* keys, int64_t S, int64_t D, float scale,
                                      float* scores, int64_t stride) {
  constexpr int R = kBlock / G;
  const int64_t chunks = (D + kChunk - 1) / kChunk;
  alignas(64) float lanes[kBlock];
  for (int64_t s0 = 0; s0 < S; s0 += R) {
    const uint16_t* rows[R];
    for (int r = 0; r < R; ++r) rows[r] = keys + std::min<int64_t>(s0 + r, S - 1) * D;
    __m512 acc[kBlock];
    for (int j = 0; j < kBlock; ++j) acc[j] = _mm512_setzero_ps();
    for (int64_t c = 0; c < chunks; ++c) {
      const __mmask32 mask = chunk_mask(D - c * kChunk);
      __m512 qe[G], qo[G];
      for (int g = 0; g < G; ++g) {
        qe[g] = _mm512_loadu_ps(q_split + (g * chunks + c) * kChunk);
        qo[g] = _mm512_loadu_ps(q_split + (g * chunks + c) * kChunk + 16);
      }
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        __m512 e, o;
        widen(_mm512_maskz_loadu_epi16(mask, rows[r] + c * kChunk), e, o);
        for (int g = 0; g < G; ++g)
          acc[g * R + r] = _mm512_fmadd_ps(o, qo[g], _mm512_fmadd_ps(e, qe[g], acc[g * R + r]));
      }
    }
    _mm512_store_ps(lanes, _mm512_mul_ps(sum_lanes_of_16(acc), _mm512_set1_ps(scale)));
    for (int g = 0; g < G; ++g) std::copy(lanes + g * R, lanes + (g + 1) * R, scores + g * stride + s0);
  }
}

// As weighted_chunks() for G queries: each value row is loaded and widened
// once and added to the G sums with the G weights p[g * stride + s].
template <int G, int C>
EMOPIANO_TARGET void weighted_chunks_group(const float* p, int64_t stride, const uint16_t* values, int64_t S, int64_t D,
                                           int64_t c0, float* sums) {
  const int64_t chunks = (D + kChunk - 1) / kChunk;
  __m512 acc[G][C][2];
  __mmask32 masks[C];
  for (int c = 0; c < C; ++c) {
    masks[c] = chunk_mask(D - (c0 + c) * kChunk);
    for (int g = 0; g < G; ++g) acc[g][c][0] = acc[g][c][1] = _mm512_setzero_ps();
  }
  const uint16_t* base = values + c0 * kChunk;
  for (int64_t s = 0; s < S; ++s) {
    __m512 e[C], o[C];
    for (int c = 0; c < C; ++c) widen(_mm512_maskz_loadu_epi16(masks[c], base + s * D + c * kChunk), e[c], o[c]);
    for (int g = 0; g < G; ++g) {
      const __m512 w = _mm512_set1_ps(p[g * stride + s]);
      for (int c = 0; c < C; ++c) {
        acc[g][c][0] = _mm512_fmadd_ps(e[c], w, acc[g][c][0]);
        acc[g][c][1] = _mm512_fmadd_ps(o[c], w, acc[g][c][1]);
      }
    }
  }
  for (int g = 0; g < G; ++g) {
    for (int c = 0; c < C; ++c) {
      float* at = sums + (g * chunks + c0 + c) * kChunk;
      _mm512_storeu_ps(at, acc[g][c][0]);
      _mm512_storeu_ps(at + 16, acc[g][c][1]);
    }
  }
}

// q's D values as the kernels read them: per chunk of 32, the even-indexed
// values, then the odd-indexed, zero past D.
EMOPIANO_TARGET void split_query(const float* q, int64_t D, float* q_split) {
  const int64_t chunks = (D + kChunk - 1) / kChunk;
  for (int64_t c = 0; c < chunks; ++c) {
    for (int64_t i = 0; i < 16; ++i) {
      const int64_t d = c * kChunk + 2 * i;
      q_split[c * kChunk + i] = d < D ? q[d] : 0.0f;
      q_split[c * kChunk + 16 + i] = d + 1 < D ? q[d + 1] : 0.0f;
    }
  }
}

// out[d] = sums (split as q_split) * inv.
EMOPIANO_TARGET void join_sums(const float* sums, int64_t D, float inv, float* out) {
  for (int64_t d = 0; d < D; ++d) out[d] = sums[d / kChunk * kChunk + (d % 2) * 16 + (d % kChunk) / 2] * inv;
}

template <int G>
EMOPIANO_TARGET void attend_group(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S, int64_t D,
                                  float scale, float* scratch, float* out) {
  const int64_t chunks = (D + kChunk - 1) / kChunk, split = chunks * kChunk;
  const int64_t stride = (S + kBlock - 1) / kBlock * kBlock;  // one query's scores, padded as exponentiate() needs
  float* q_split = scratch;
  float* sums = q_split + G * split;
  float* p = sums + G * split;
  for (int g = 0; g < G; ++g) split_query(q + g * D, D, q_split + g * split);
  score_rows_group<G>(q_split, keys, S, D, scale, p, stride);
  float inv[G];
  for (int g = 0; g < G; ++g) inv[g] = 1.0f / exponentiate(p + g * stride, S);
  int64_t c = 0;
  for (; c + 2 <= chunks; c += 2) weighted_chunks_group<G, 2>(p, stride, values, S, D, c, sums);
  if (c < chunks) weighted_chunks_group<G, 1>(p, stride, values, S, D, c, sums);
  for (int g = 0; g < G; ++g) join_sums(sums + g * split, D, inv[g], out + g * D);
}

}  // namespace

bool avx512_attention_supported() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}

EMOPIANO_TARGET void cache_attention_avx512(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S,
                                            int64_t D, float scale, float* scratch, float* out) {
  const int64_t chunks = (D + kChunk - 1) / kChunk;
  // scratch: q split into even and odd values per chunk, the scores, the sums.
  float* q_split = scratch;
  float* sums = q_split + chunks * kChunk;
  float* p = sums + chunks * kChunk;
  split_query(q, D, q_split);
  score_rows(q_split, keys, S, D, scale, p);
  const float inv = 1.0f / exponentiate(p, S);
  int64_t c = 0;
  for (; c + 2 <= chunks; c += 2) weighted_chunks<2>(p, values, S, D, c, sums);
  if (c < chunks) weighted_chunks<1>(p, values, S, D, c, sums);
  join_sums(sums, D, inv, out);
}

EMOPIANO_TARGET void cache_attention_group_avx512(const float* q, int64_t G, const uint16_t* keys,
                                                  const uint16_t* values, int64_t S, int64_t D, float scale,
                                                  float* scratch, float* out) {
  // Four queries at a time, then two, then one: 16 accumulators in each pass.
  int64_t g = 0;
  for (; g + 4 <= G; g += 4) attend_group<4>(q + g * D, keys, values, S, D, scale, scratch, out + g * D);
  for (; g + 2 <= G; g += 2) attend_group<2>(q + g * D, keys, values, S, D, scale, scratch, out + g * D);
  if (g < G) cache_attention_avx512(q + g * D, keys, values, S, D, scale, scratch, out + g * D);
}

}  // namespace emopiano::kernels::detail
#endif
