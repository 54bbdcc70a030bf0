// AVX2 + FMA causal softmax: eight values at a time (avx2_rows.hpp); the
// exponentials are the single-query attention's (avx2_softmax.hpp).
#include "kernels/causal_softmax.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/avx2_rows.hpp"

namespace emopiano::kernels::detail {

namespace {

// Zeros for the keys a row does not see: +0.0 is all-zero bits in both types.
void zero_tail(const CausalRows& s, void* base, int64_t from, int64_t to) {
  if (to <= from) return;
  const size_t bytes = s.type == ScoreType::f32 ? sizeof(float) : sizeof(uint16_t);
  std::memset(static_cast<char*>(base) + from * bytes, 0, static_cast<size_t>(to - from) * bytes);
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
      const __m256 x = _mm256_mul_ps(load8(s.type, in, base + j), scale);
      _mm256_storeu_ps(row.data() + j, x);
      top = _mm256_max_ps(top, x);
    }
    for (int64_t j = whole; j < padded; ++j) row[j] = j < n ? s.scale * load_score(s.type, in, base + j) : -INFINITY;
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
      store8(s.type, out, base + j, _mm256_mul_ps(_mm256_loadu_ps(row.data() + j), inverse));
    const float inverse1 = _mm256_cvtss_f32(inverse);
    for (int64_t j = whole; j < n; ++j) store_score(s.type, out, base + j, row[j] * inverse1);
    zero_tail(s, out, base + n, base + s.width);
    if (s.drop <= 0.0f) continue;
    const uint32_t key = dropout_row_key(s.seed, r);
    const __m256 kept = _mm256_mul_ps(inverse, kept_scale);
    for (int64_t j = 0; j < whole; j += 8) {
      const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(row.data() + j), kept);
      store8(s.type, dropped, base + j, _mm256_and_ps(keep8(key, j, threshold), v));
    }
    const float kept1 = _mm256_cvtss_f32(kept);
    for (int64_t j = whole; j < n; ++j)
      store_score(s.type, dropped, base + j, dropout_keeps(threshold1, key, j) ? row[j] * kept1 : 0.0f);
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
        _mm256_storeu_ps(d.data() + j, _mm256_and_ps(keep8(key, j, threshold),
                                                     _mm256_mul_ps(load8(s.type, grad, base + j), kept_scale)));
      for (int64_t j = whole; j < n; ++j)
        d[j] = dropout_keeps(threshold1, key, j) ? load_score(s.type, grad, base + j) * kept_scale1 : 0.0f;
      g = d.data();
      g_base = 0;
    }
    __m256 acc = _mm256_setzero_ps();
    for (int64_t j = 0; j < whole; j += 8)
      acc = _mm256_fmadd_ps(load8(s.type, probs, base + j), load8(gs.type, g, g_base + j), acc);
    float dot = horizontal_sum(acc);
    for (int64_t j = whole; j < n; ++j) dot += load_score(s.type, probs, base + j) * load_score(gs.type, g, g_base + j);
    const __m256 dot8 = _mm256_set1_ps(dot), scale = _mm256_set1_ps(s.scale);
    for (int64_t j = 0; j < whole; j += 8) {
      const __m256 p = _mm256_mul_ps(load8(s.type, probs, base + j), scale);
      store8(s.type, grad_in, base + j, _mm256_mul_ps(p, _mm256_sub_ps(load8(gs.type, g, g_base + j), dot8)));
    }
    for (int64_t j = whole; j < n; ++j) {
      store_score(s.type, grad_in, base + j,
                  s.scale * load_score(s.type, probs, base + j) * (load_score(gs.type, g, g_base + j) - dot));
    }
    zero_tail(s, grad_in, base + n, base + s.width);
  }
}

}  // namespace emopiano::kernels::detail
#endif
