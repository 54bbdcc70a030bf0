// AVX-512 over int8 rows: sixteen bytes of a row are widened to sixteen
// floats (sign extension, then conversion), which meet sixteen values of q.
// Scores come sixteen positions at a time, added across lanes together as in
// the bf16 kernel, then multiplied by the sixteen rows' scales; the value
// rows are summed into registers with each position's weight already
// multiplied by its row's scale, two positions at a time for independent
// FMA chains.
#include "kernels/cache_attention_kernels.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

// GCC 12 reports the deliberately undefined source vector inside some
// AVX-512 intrinsics as maybe uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>
#include <cmath>

#include "kernels/avx512_softmax.hpp"
#include "kernels/int8_cache_rows.hpp"

namespace emopiano::kernels::detail {

namespace {

constexpr int64_t kChunk = 16;  // int8 values widened to one vector of floats
constexpr int kGroup = 4;       // chunks of a value row summed together (D 64)

EMOPIANO_TARGET inline __m512 widen(const int8_t* p, __mmask16 mask) {
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, p)));
}

EMOPIANO_TARGET inline __mmask16 chunk_mask(int64_t left) {
  return left >= kChunk ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
}

// scores[s] = scale * s_k * q.k_s for s < S, in whole blocks of sixteen (the
// lanes past S hold copies of the last score).
EMOPIANO_TARGET void score_rows(const float* q, const int8_t* keys, int64_t S, int64_t D, float scale, float* scores) {
  const int64_t chunks = (D + kChunk - 1) / kChunk, R = int8_row_bytes(D);
  for (int64_t s0 = 0; s0 < S; s0 += kBlock) {
    const int8_t* rows[kBlock];
    alignas(64) float row_scales[kBlock];
    for (int r = 0; r < kBlock; ++r) {
      rows[r] = keys + std::min<int64_t>(s0 + r, S - 1) * R;
      row_scales[r] = int8_row_scale(rows[r], D);
    }
    __m512 acc[kBlock];
    for (int r = 0; r < kBlock; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t c = 0; c < chunks; ++c) {
      const __mmask16 mask = chunk_mask(D - c * kChunk);
      const __m512 qc = _mm512_maskz_loadu_ps(mask, q + c * kChunk);
#pragma GCC unroll 16
      for (int r = 0; r < kBlock; ++r) acc[r] = _mm512_fmadd_ps(widen(rows[r] + c * kChunk, mask), qc, acc[r]);
    }
    const __m512 scaled = _mm512_mul_ps(_mm512_load_ps(row_scales), _mm512_set1_ps(scale));
    _mm512_storeu_ps(scores + s0, _mm512_mul_ps(sum_lanes_of_16(acc), scaled));
  }
}

// sums[c * 16 + i] = sum_s p[s] s_v v_s[c * 16 + i] for chunks c0..c0 + G - 1.
// The loops over g and u are unrolled by pragma so that GCC keeps acc in
// registers (see weighted_chunks_dot() in cache_attention_avx512.cpp).
template <int G>
EMOPIANO_TARGET void weighted_chunks(const float* p, const int8_t* values, int64_t S, int64_t D, int64_t c0,
                                     float* sums) {
  const int64_t R = int8_row_bytes(D);
  __m512 acc[2][G];
  __mmask16 masks[G];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
    masks[g] = chunk_mask(D - (c0 + g) * kChunk);
    acc[0][g] = acc[1][g] = _mm512_setzero_ps();
  }
  const int8_t* base = values + c0 * kChunk;
  int64_t s = 0;
  for (; s + 2 <= S; s += 2) {
#pragma GCC unroll 16
    for (int u = 0; u < 2; ++u) {
      const int8_t* row = base + (s + u) * R;
      const __m512 w = _mm512_set1_ps(p[s + u] * int8_row_scale(values + (s + u) * R, D));
#pragma GCC unroll 16
      for (int g = 0; g < G; ++g) acc[u][g] = _mm512_fmadd_ps(widen(row + g * kChunk, masks[g]), w, acc[u][g]);
    }
  }
  if (s < S) {
    const int8_t* row = base + s * R;
    const __m512 w = _mm512_set1_ps(p[s] * int8_row_scale(values + s * R, D));
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) acc[0][g] = _mm512_fmadd_ps(widen(row + g * kChunk, masks[g]), w, acc[0][g]);
  }
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) _mm512_storeu_ps(sums + (c0 + g) * kChunk, _mm512_add_ps(acc[0][g], acc[1][g]));
}

}  // namespace

EMOPIANO_TARGET void cache_attention_int8_avx512(const float* q, const int8_t* keys, const int8_t* values, int64_t S,
                                                 int64_t D, float scale, float* scratch, float* out) {
  const int64_t chunks = (D + kChunk - 1) / kChunk;
  // scratch: the sums (whole chunks), then the scores (whole blocks).
  float* sums = scratch;
  float* p = sums + chunks * kChunk;
  score_rows(q, keys, S, D, scale, p);
  const float inv = 1.0f / exponentiate(p, S);
  int64_t c = 0;
  for (; c + kGroup <= chunks; c += kGroup) weighted_chunks<kGroup>(p, values, S, D, c, sums);
  for (; c < chunks; ++c) weighted_chunks<1>(p, values, S, D, c, sums);
  for (int64_t d = 0; d < D; ++d) out[d] = sums[d] * inv;
}

}  // namespace emopiano::kernels::detail
#endif
