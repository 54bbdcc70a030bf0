// AVX-512 (F, BW and VL). Scores come from the key panels (key_panels.hpp):
// one 64-byte load holds sixteen positions' values 2j and 2j + 1, a shift
// and a mask widen them to one float vector of each, and q's two values,
// broadcast, meet them: sixteen scores build up in sixteen lanes, with no
// adding across lanes. The value rows are summed position by position into
// registers, two positions at a time for independent FMA chains, a row's 32
// values a load widened to its even- and odd-indexed values. The query heads
// that share a K/V head (grouped-query attention) go through together, two
// or four at once, so that each load is widened once for all of them.
//
// With AVX-512 BF16 (the *_bf16 entry points) both steps run on vdpbf16ps:
// q is rounded to bf16 once, as the bf16 GEMV rounds its input, and one
// instruction multiplies a 64-byte run of a key panel by q's pair of values
// and adds the products in pairs to sixteen scores, with no widening. The
// weighted sum of the values does the same two positions at a time, the
// softmax's weights rounded to bf16 (each within 2^-8 of itself; the
// normaliser is summed before the rounding).
#include "kernels/cache_attention_kernels.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

// GCC 12 reports the deliberately undefined source vector inside
// _mm512_slli_epi32 as maybe uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/avx512_softmax.hpp"
#include "kernels/bf16.hpp"
#include "kernels/key_panels.hpp"

#define EMOPIANO_TARGET_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

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

// The scores of G queries (q_pad: G rows of D values rounded up to even,
// the pad 0) over NB panels from panel b0 (key_panels.hpp): one 64-byte load
// is sixteen positions' values 2j and 2j + 1, widened to one vector of each
// and met by q's two values broadcast. scores + g * stride: query g's
// scores, scaled, 16 NB positions from position 16 b0.
template <int G, int NB>
EMOPIANO_TARGET void score_panels(const float* q_pad, const uint16_t* keys, int64_t b0, int64_t D, float scale,
                                  float* scores, int64_t stride) {
  const int64_t pairs = (D + 1) / 2, panel = key_panel_values(D);
  __m512 acc[G][NB];
  for (int g = 0; g < G; ++g)
    for (int b = 0; b < NB; ++b) acc[g][b] = _mm512_setzero_ps();
  for (int64_t j = 0; j < pairs; ++j) {
    __m512 e[NB], o[NB];
    for (int b = 0; b < NB; ++b)
      widen(_mm512_loadu_si512(keys + (b0 + b) * panel + j * 2 * kPanelPositions), e[b], o[b]);
    for (int g = 0; g < G; ++g) {
      const __m512 qe = _mm512_set1_ps(q_pad[g * 2 * pairs + 2 * j]);
      const __m512 qo = _mm512_set1_ps(q_pad[g * 2 * pairs + 2 * j + 1]);
      for (int b = 0; b < NB; ++b) acc[g][b] = _mm512_fmadd_ps(o[b], qo, _mm512_fmadd_ps(e[b], qe, acc[g][b]));
    }
  }
  for (int g = 0; g < G; ++g)
    for (int b = 0; b < NB; ++b)
      _mm512_storeu_ps(scores + g * stride + (b0 + b) * kPanelPositions,
                       _mm512_mul_ps(acc[g][b], _mm512_set1_ps(scale)));
}

// Panels scored at once by score_panels(): as many as leave the accumulators
// and the widened keys in the 32 registers.
template <int G>
constexpr int kFloatPanels = G == 1 ? 8 : 4;

// score_panels() over panels [b, panels): NB at a time, then halves of NB.
template <int G, int NB>
EMOPIANO_TARGET void score_keys(const float* q_pad, const uint16_t* keys, int64_t b, int64_t panels, int64_t D,
                                float scale, float* scores, int64_t stride) {
  for (; b + NB <= panels; b += NB) score_panels<G, NB>(q_pad, keys, b, D, scale, scores, stride);
  if constexpr (NB > 1) score_keys<G, NB / 2>(q_pad, keys, b, panels, D, scale, scores, stride);
}

// The weighted sums' loops over compile-time counts carry "GCC unroll"
// pragmas: see weighted_chunks_dot() for why.
//
// sums[c * 32 + i] (i < 16) = sum_s p[s] v_s[c * 32 + 2i], and
// sums[c * 32 + 16 + i] the odd value beside it, for chunks c0..c0 + G - 1.
template <int G>
EMOPIANO_TARGET void weighted_chunks(const float* p, const uint16_t* values, int64_t S, int64_t D, int64_t c0,
                                     float* sums) {
  __m512 acc[2][G][2];
  __mmask32 masks[G];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
    masks[g] = chunk_mask(D - (c0 + g) * kChunk);
#pragma GCC unroll 16
    for (int u = 0; u < 2; ++u) acc[u][g][0] = acc[u][g][1] = _mm512_setzero_ps();
  }
  const uint16_t* base = values + c0 * kChunk;
  int64_t s = 0;
  for (; s + 2 <= S; s += 2) {
#pragma GCC unroll 16
    for (int u = 0; u < 2; ++u) {
      const __m512 w = _mm512_set1_ps(p[s + u]);
#pragma GCC unroll 16
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
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      __m512 e, o;
      widen(_mm512_maskz_loadu_epi16(masks[g], base + s * D + g * kChunk), e, o);
      acc[0][g][0] = _mm512_fmadd_ps(e, w, acc[0][g][0]);
      acc[0][g][1] = _mm512_fmadd_ps(o, w, acc[0][g][1]);
    }
  }
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
    _mm512_storeu_ps(sums + (c0 + g) * kChunk, _mm512_add_ps(acc[0][g][0], acc[1][g][0]));
    _mm512_storeu_ps(sums + (c0 + g) * kChunk + 16, _mm512_add_ps(acc[0][g][1], acc[1][g][1]));
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
#pragma GCC unroll 16
  for (int c = 0; c < C; ++c) {
    masks[c] = chunk_mask(D - (c0 + c) * kChunk);
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) acc[g][c][0] = acc[g][c][1] = _mm512_setzero_ps();
  }
  const uint16_t* base = values + c0 * kChunk;
  for (int64_t s = 0; s < S; ++s) {
    __m512 e[C], o[C];
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) widen(_mm512_maskz_loadu_epi16(masks[c], base + s * D + c * kChunk), e[c], o[c]);
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      const __m512 w = _mm512_set1_ps(p[g * stride + s]);
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) {
        acc[g][c][0] = _mm512_fmadd_ps(e[c], w, acc[g][c][0]);
        acc[g][c][1] = _mm512_fmadd_ps(o[c], w, acc[g][c][1]);
      }
    }
  }
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      float* at = sums + (g * chunks + c0 + c) * kChunk;
      _mm512_storeu_ps(at, acc[g][c][0]);
      _mm512_storeu_ps(at + 16, acc[g][c][1]);
    }
  }
}

// q's D values as score_panels() reads them: D rounded up to even, the pad 0.
inline void pad_query(const float* q, int64_t D, float* q_pad) {
  std::copy(q, q + D, q_pad);
  if (D % 2) q_pad[D] = 0.0f;
}

// out[d] = sums (even values, then odd, per chunk of 32) * inv.
EMOPIANO_TARGET void join_sums(const float* sums, int64_t D, float inv, float* out) {
  for (int64_t d = 0; d < D; ++d) out[d] = sums[d / kChunk * kChunk + (d % 2) * 16 + (d % kChunk) / 2] * inv;
}

template <int G>
EMOPIANO_TARGET void attend_group(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S, int64_t D,
                                  float scale, float* scratch, float* out) {
  const int64_t chunks = (D + kChunk - 1) / kChunk, split = chunks * kChunk;
  const int64_t stride = (S + kBlock - 1) / kBlock * kBlock;  // one query's scores, padded as exponentiate() needs
  // scratch: the padded queries, the sums, the scores.
  float* q_pad = scratch;
  float* sums = q_pad + G * split;
  float* p = sums + G * split;
  for (int g = 0; g < G; ++g) pad_query(q + g * D, D, q_pad + g * ((D + 1) / 2 * 2));
  score_keys<G, kFloatPanels<G>>(q_pad, keys, 0, (S + kPanelPositions - 1) / kPanelPositions, D, scale, p, stride);
  float inv[G];
  for (int g = 0; g < G; ++g) inv[g] = 1.0f / exponentiate(p + g * stride, S);
  int64_t c = 0;
  for (; c + 2 <= chunks; c += 2) weighted_chunks_group<G, 2>(p, stride, values, S, D, c, sums);
  if (c < chunks) weighted_chunks_group<G, 1>(p, stride, values, S, D, c, sums);
  for (int g = 0; g < G; ++g) join_sums(sums + g * split, D, inv[g], out + g * D);
}

// The masks of a chunk's two halves of sixteen floats, `left` values from
// the chunk's start to D.
EMOPIANO_TARGET inline void half_masks(int64_t left, __mmask16& first, __mmask16& second) {
  first = left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1u);
  second = left >= 32 ? __mmask16(0xffff) : left <= 16 ? __mmask16(0) : __mmask16((1u << (left - 16)) - 1u);
}

// q's D values rounded to bf16 (as to_bf16() rounds), zero to the end of the
// last chunk: the (q[2i], q[2i + 1]) pairs vdpbf16ps reads, in the keys'
// own order.
EMOPIANO_TARGET_BF16 inline void round_query(const float* q, int64_t D, uint16_t* q_bf16) {
  for (int64_t c = 0; c * kChunk < D; ++c) {
    __mmask16 first, second;
    half_masks(D - c * kChunk, first, second);
    const __m512bh h = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(second, q + c * kChunk + 16),
                                           _mm512_maskz_loadu_ps(first, q + c * kChunk));
    _mm512_storeu_si512(q_bf16 + c * kChunk, (__m512i)h);
  }
}

// As score_panels() with vdpbf16ps, for G = 1, 2 or 4 queries (q_bf16: G
// rounded queries of `split` values): one instruction adds the products of
// a 64-byte run (sixteen positions' values 2j and 2j + 1) with q's pair j,
// broadcast, to sixteen scores.
template <int G, int NB>
EMOPIANO_TARGET_BF16 void score_panels_dot(const uint16_t* q_bf16, int64_t split, const uint16_t* keys, int64_t b0,
                                           int64_t D, float scale, float* scores, int64_t stride) {
  const int64_t pairs = (D + 1) / 2, panel = key_panel_values(D);
  __m512 acc[G][NB];
  for (int g = 0; g < G; ++g)
    for (int b = 0; b < NB; ++b) acc[g][b] = _mm512_setzero_ps();
  for (int64_t j = 0; j < pairs; ++j) {
    __m512bh k[NB];
    for (int b = 0; b < NB; ++b) k[b] = (__m512bh)_mm512_loadu_si512(keys + (b0 + b) * panel + j * 2 * kPanelPositions);
    for (int g = 0; g < G; ++g) {
      uint32_t pair;
      std::memcpy(&pair, q_bf16 + g * split + 2 * j, sizeof pair);
      const __m512bh qp = (__m512bh)_mm512_set1_epi32(static_cast<int>(pair));
      for (int b = 0; b < NB; ++b) acc[g][b] = _mm512_dpbf16_ps(acc[g][b], k[b], qp);
    }
  }
  for (int g = 0; g < G; ++g)
    for (int b = 0; b < NB; ++b)
      _mm512_storeu_ps(scores + g * stride + (b0 + b) * kPanelPositions,
                       _mm512_mul_ps(acc[g][b], _mm512_set1_ps(scale)));
}

// score_panels_dot() over panels [b, panels): NB at a time, then halves of NB.
template <int G, int NB>
EMOPIANO_TARGET_BF16 void score_keys_dot(const uint16_t* q_bf16, int64_t split, const uint16_t* keys, int64_t b,
                                         int64_t panels, int64_t D, float scale, float* scores, int64_t stride) {
  for (; b + NB <= panels; b += NB) score_panels_dot<G, NB>(q_bf16, split, keys, b, D, scale, scores, stride);
  if constexpr (NB > 1) score_keys_dot<G, NB / 2>(q_bf16, split, keys, b, panels, D, scale, scores, stride);
}

// The G rows of weights p (stride floats apart, zero past S up to the
// stride) rounded to bf16 in place, as 32-bit pairs (p[2j], p[2j + 1]).
template <int G>
EMOPIANO_TARGET_BF16 void weights_to_pairs(float* p, int64_t stride) {
  for (int g = 0; g < G; ++g) {
    float* row = p + g * stride;
    int64_t s = 0;
    for (; s + 32 <= stride; s += 32) {  // writes words s / 2.., behind what it reads
      const __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + s + 16), _mm512_loadu_ps(row + s));
      _mm512_storeu_si512(reinterpret_cast<uint32_t*>(row) + s / 2, (__m512i)h);
    }
    if (s < stride) {  // the stride's last 16
      const __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(row + s));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(reinterpret_cast<uint32_t*>(row) + s / 2), (__m256i)h);
    }
  }
}

// sums for chunks c0..c0 + C - 1 of G queries: sum_s p[g][s] v_s with
// vdpbf16ps, two positions an instruction. The rows of s and s + 1 are
// interleaved 16 bits at a time within each 128-bit lane, so that a 32-bit
// lane holds one value of both rows: at chunk offset 8L + k (lane 4L + k of
// the low half) and 8L + 4 + k (of the high half), k < 4; join_pairs()
// puts them back in order. U independent sums per output hide the
// instruction's latency where G is small. A row past S is loaded with an
// empty mask (zeros, nothing read), its weight is the softmax's zero pad:
// one loop with no tail. Every loop over u, g, c or h is unrolled by pragma
// so that GCC unrolls it before it decides where acc lives: left to its own
// late unrolling (G = 4, or C = 1), it kept acc on the stack and stored all
// of it on every pair, which made the loop store-bound.
template <int G, int C, int U>
EMOPIANO_TARGET_BF16 void weighted_chunks_dot(const uint32_t* pairs, int64_t pair_stride, const uint16_t* values,
                                              int64_t S, int64_t D, int64_t c0, float* sums) {
  const int64_t chunks = (D + kChunk - 1) / kChunk;
  constexpr int N = U * G * C * 2;
  __m512 acc[N];
#pragma GCC unroll 16
  for (int i = 0; i < N; ++i) acc[i] = _mm512_setzero_ps();
  __mmask32 masks[C];
#pragma GCC unroll 16
  for (int c = 0; c < C; ++c) masks[c] = chunk_mask(D - (c0 + c) * kChunk);
  const uint16_t* base = values + c0 * kChunk;
  for (int64_t s = 0; s < S; s += 2 * U) {
#pragma GCC unroll 16
    for (int u = 0; u < U; ++u) {
      const int64_t r = s + 2 * u;  // rows r and r + 1
      __m512bh lo[C], hi[C];
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) {
        const __m512i a = _mm512_maskz_loadu_epi16(r < S ? masks[c] : 0, base + r * D + c * kChunk);
        const __m512i b = _mm512_maskz_loadu_epi16(r + 1 < S ? masks[c] : 0, base + (r + 1) * D + c * kChunk);
        lo[c] = (__m512bh)_mm512_unpacklo_epi16(a, b);
        hi[c] = (__m512bh)_mm512_unpackhi_epi16(a, b);
      }
#pragma GCC unroll 16
      for (int g = 0; g < G; ++g) {
        const __m512bh w = (__m512bh)_mm512_set1_epi32(static_cast<int>(pairs[g * pair_stride + r / 2]));
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c) {
          const int i = ((u * G + g) * C + c) * 2;
          acc[i] = _mm512_dpbf16_ps(acc[i], lo[c], w);
          acc[i + 1] = _mm512_dpbf16_ps(acc[i + 1], hi[c], w);
        }
      }
    }
  }
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
#pragma GCC unroll 16
      for (int h = 0; h < 2; ++h) {
        __m512 total = acc[(g * C + c) * 2 + h];
#pragma GCC unroll 16
        for (int u = 1; u < U; ++u) total = _mm512_add_ps(total, acc[((u * G + g) * C + c) * 2 + h]);
        _mm512_storeu_ps(sums + (g * chunks + c0 + c) * kChunk + h * 16, total);
      }
    }
  }
}

// out[d] = sums (laid out as weighted_chunks_dot() writes them) * inv: a
// chunk's 32 sums put back in order by two two-source permutes.
EMOPIANO_TARGET inline void join_pairs(const float* sums, int64_t D, float inv, float* out) {
  // Output r of a chunk is sum (r % 8) / 4 * 16 + 4 * (r / 8) + r % 4.
  const __m512i first = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const __m512i second = _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const __m512 scale = _mm512_set1_ps(inv);
  for (int64_t c = 0; c * kChunk < D; ++c) {
    const __m512 a = _mm512_loadu_ps(sums + c * kChunk), b = _mm512_loadu_ps(sums + c * kChunk + 16);
    __mmask16 m0, m1;
    half_masks(D - c * kChunk, m0, m1);
    _mm512_mask_storeu_ps(out + c * kChunk, m0, _mm512_mul_ps(_mm512_permutex2var_ps(a, first, b), scale));
    _mm512_mask_storeu_ps(out + c * kChunk + 16, m1, _mm512_mul_ps(_mm512_permutex2var_ps(a, second, b), scale));
  }
}

// attend_group() with vdpbf16ps for the scores and the weighted sum; G = 1
// is one query.
template <int G>
EMOPIANO_TARGET_BF16 void attend_group_dot(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S,
                                           int64_t D, float scale, float* scratch, float* out) {
  constexpr int U = G == 4 ? 1 : 2;
  const int64_t chunks = (D + kChunk - 1) / kChunk, split = chunks * kChunk;
  const int64_t stride = (S + kBlock - 1) / kBlock * kBlock;
  // scratch: the rounded queries (in the floats the split queries take), the sums, the scores.
  auto* q_bf16 = reinterpret_cast<uint16_t*>(scratch);
  float* sums = scratch + G * split;
  float* p = sums + G * split;
  for (int g = 0; g < G; ++g) round_query(q + g * D, D, q_bf16 + g * split);
  score_keys_dot<G, kBlock / G>(q_bf16, split, keys, 0, (S + kPanelPositions - 1) / kPanelPositions, D, scale, p,
                                stride);
  float inv[G];
  for (int g = 0; g < G; ++g) inv[g] = 1.0f / exponentiate(p + g * stride, S);
  weights_to_pairs<G>(p, stride);
  const auto* pairs = reinterpret_cast<const uint32_t*>(p);
  const int64_t pair_stride = stride;  // in words: each row's pairs start where its floats did
  int64_t c = 0;
  for (; c + 2 <= chunks; c += 2) weighted_chunks_dot<G, 2, U>(pairs, pair_stride, values, S, D, c, sums);
  if (c < chunks) weighted_chunks_dot<G, 1, U>(pairs, pair_stride, values, S, D, c, sums);
  for (int g = 0; g < G; ++g) join_pairs(sums + g * split, D, inv[g], out + g * D);
}

}  // namespace

bool avx512_attention_supported() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}

EMOPIANO_TARGET void cache_attention_avx512(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S,
                                            int64_t D, float scale, float* scratch, float* out) {
  const int64_t chunks = (D + kChunk - 1) / kChunk;
  // scratch: the padded query, the sums, the scores.
  float* q_pad = scratch;
  float* sums = q_pad + chunks * kChunk;
  float* p = sums + chunks * kChunk;
  pad_query(q, D, q_pad);
  score_keys<1, kFloatPanels<1>>(q_pad, keys, 0, (S + kPanelPositions - 1) / kPanelPositions, D, scale, p, 0);
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

bool avx512_bf16_attention_supported() { return avx512_attention_supported() && __builtin_cpu_supports("avx512bf16"); }

EMOPIANO_TARGET_BF16 void cache_attention_avx512_bf16(const float* q, const uint16_t* keys, const uint16_t* values,
                                                      int64_t S, int64_t D, float scale, float* scratch, float* out) {
  attend_group_dot<1>(q, keys, values, S, D, scale, scratch, out);
}

EMOPIANO_TARGET_BF16 void cache_attention_group_avx512_bf16(const float* q, int64_t G, const uint16_t* keys,
                                                            const uint16_t* values, int64_t S, int64_t D, float scale,
                                                            float* scratch, float* out) {
  int64_t g = 0;
  for (; g + 4 <= G; g += 4) attend_group_dot<4>(q + g * D, keys, values, S, D, scale, scratch, out + g * D);
  for (; g + 2 <= G; g += 2) attend_group_dot<2>(q + g * D, keys, values, S, D, scale, scratch, out + g * D);
  if (g < G) attend_group_dot<1>(q + g * D, keys, values, S, D, scale, scratch, out + g * D);
}

}  // namespace emopiano::kernels::detail
#endif
