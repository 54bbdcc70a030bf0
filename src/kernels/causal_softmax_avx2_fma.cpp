// AVX2 + FMA causal softmax: eight values at a time, bf16 widened by a shift
// and narrowed with round-to-nearest-even (as vcvtneps2bf16 and to_bf16);
// the exponentials are the single-query attention's (avx2_softmax.hpp).
#include "kernels/causal_softmax.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/avx2_softmax.hpp"

namespace emopiano::kernels::detail {

namespace {

EMOPIANO_TARGET inline __m256 load8(const CausalRows& s, const void* base, int64_t i) {
  if (s.type == ScoreType::f32) return _mm256_loadu_ps(static_cast<const float*>(base) + i);
  const __m128i half = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(base) + i));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(half), 16));
}

EMOPIANO_TARGET inline void store8(const CausalRows& s, void* base, int64_t i, __m256 v) {
  if (s.type == ScoreType::f32) {
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

// Zeros for the keys a row does not see: +0.0 is all-zero bits in both types.
void zero_tail(const CausalRows& s, void* base, int64_t from, int64_t to) {
  if (to <= from) return;
  const size_t bytes = s.type == ScoreType::f32 ? sizeof(float) : sizeof(uint16_t);
  std::memset(static_cast<char*>(base) + from * bytes, 0, static_cast<size_t>(to - from) * bytes);
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

EMOPIANO_TARGET float horizontal_sum(__m256 v) {
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, v);
  return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
}

}  // namespace

EMOPIANO_TARGET void causal_softmax_forward_avx2_fma(const CausalRows& s, const void* in, void* out, void* dropped,
                                                     int64_t begin, int64_t end) {
  std::vector<float> row(static_cast<size_t>((s.width + 7) / 8 * 8));
  const __m256 scale = _mm256_set1_ps(s.scale), kept_scale = _mm256_set1_ps(1.0f / (1.0f - s.drop));
  const int32_t threshold1 = dropout_threshold(s.drop);
  const __m256i threshold = _mm256_set1_epi32(threshold1 - 1);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * s.width, n = s.visible(r), whole = n / 8 * 8, padded = (n + 7) / 8 * 8;
    __m256 top = _mm256_set1_ps(-INFINITY);
    for (int64_t j = 0; j < whole; j += 8) {
      const __m256 x = _mm256_mul_ps(load8(s, in, base + j), scale);
      _mm256_storeu_ps(row.data() + j, x);
      top = _mm256_max_ps(top, x);
    }
    for (int64_t j = whole; j < padded; ++j) row[j] = j < n ? s.scale * load_score(s, in, base + j) : -INFINITY;
    if (padded > whole) top = _mm256_max_ps(top, _mm256_loadu_ps(row.data() + whole));
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, top);
    const __m256 largest = _mm256_set1_ps(*std::max_element(lanes, lanes + 8));
    __m256 total = _mm256_setzero_ps();
    for (int64_t j = 0; j < padded; j += 8) {
      const __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(row.data() + j), largest));
      _mm256_storeu_ps(row.data() + j, e);
    }
    for (int64_t j = n; j < padded; ++j) row[j] = 0.0f;  // exp_nonpositive clamps -inf to e^-87
    for (int64_t j = 0; j < padded; j += 8) total = _mm256_add_ps(total, _mm256_loadu_ps(row.data() + j));
    const __m256 inverse = _mm256_set1_ps(1.0f / horizontal_sum(total));
    for (int64_t j = 0; j < whole; j += 8)
      store8(s, out, base + j, _mm256_mul_ps(_mm256_loadu_ps(row.data() + j), inverse));
    const float inverse1 = _mm256_cvtss_f32(inverse);
    for (int64_t j = whole; j < n; ++j) store_score(s, out, base + j, row[j] * inverse1);
    zero_tail(s, out, base + n, base + s.width);
    if (s.drop <= 0.0f) continue;
    const uint32_t key = dropout_row_key(s.seed, r);
    const __m256 kept = _mm256_mul_ps(inverse, kept_scale);
    for (int64_t j = 0; j < whole; j += 8) {
      const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(row.data() + j), kept);
      store8(s, dropped, base + j, _mm256_and_ps(keep8(key, j, threshold), v));
    }
    const float kept1 = _mm256_cvtss_f32(kept);
    for (int64_t j = whole; j < n; ++j)
      store_score(s, dropped, base + j, dropout_keeps(threshold1, key, j) ? row[j] * kept1 : 0.0f);
    zero_tail(s, dropped, base + n, base + s.width);
  }
}

EMOPIANO_TARGET void causal_softmax_backward_avx2_fma(const CausalRows& s, const void* probs, const void* grad,
                                                      void* grad_in, int64_t begin, int64_t end) {
  // With dropout the row's gradient is masked and scaled first, into `d`.
  std::vector<float> d(s.drop > 0.0f ? static_cast<size_t>(s.width) : 0);
  const float kept_scale1 = 1.0f / (1.0f - s.drop);
  const __m256 kept_scale = _mm256_set1_ps(kept_scale1);
  const int32_t threshold1 = dropout_threshold(s.drop);
  const __m256i threshold = _mm256_set1_epi32(threshold1 - 1);
  // The gradient row is read from `grad` as the scores are, or as float32
  // from `d` once dropout has masked it.
  CausalRows gs = s;
  if (s.drop > 0.0f) gs.type = ScoreType::f32;
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * s.width, n = s.visible(r), whole = n / 8 * 8;
    const void* g = grad;
    int64_t g_base = base;
    if (s.drop > 0.0f) {
      const uint32_t key = dropout_row_key(s.seed, r);
      for (int64_t j = 0; j < whole; j += 8)
        _mm256_storeu_ps(d.data() + j,
                         _mm256_and_ps(keep8(key, j, threshold), _mm256_mul_ps(load8(s, grad, base + j), kept_scale)));
      for (int64_t j = whole; j < n; ++j)
        d[j] = dropout_keeps(threshold1, key, j) ? load_score(s, grad, base + j) * kept_scale1 : 0.0f;
      g = d.data();
      g_base = 0;
    }
    __m256 acc = _mm256_setzero_ps();
    for (int64_t j = 0; j < whole; j += 8)
      acc = _mm256_fmadd_ps(load8(s, probs, base + j), load8(gs, g, g_base + j), acc);
    float dot = horizontal_sum(acc);
    for (int64_t j = whole; j < n; ++j) dot += load_score(s, probs, base + j) * load_score(gs, g, g_base + j);
    const __m256 dot8 = _mm256_set1_ps(dot), scale = _mm256_set1_ps(s.scale);
    for (int64_t j = 0; j < whole; j += 8) {
      const __m256 p = _mm256_mul_ps(load8(s, probs, base + j), scale);
      store8(s, grad_in, base + j, _mm256_mul_ps(p, _mm256_sub_ps(load8(gs, g, g_base + j), dot8)));
    }
    for (int64_t j = whole; j < n; ++j) {
      store_score(s, grad_in, base + j,
                  s.scale * load_score(s, probs, base + j) * (load_score(gs, g, g_base + j) - dot));
    }
    zero_tail(s, grad_in, base + n, base + s.width);
  }
}

}  // namespace emopiano::kernels::detail
#endif
