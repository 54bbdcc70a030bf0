// The parts of the AVX-512 single-query attention kernels that do not
// depend on how the cache stores its values (bf16 or int8): adding sixteen
// rows' lanes at once, and the softmax's exponentials. Included only by
// files compiled for AVX-512 through the target attribute below.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#define EMOPIANO_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))

namespace emopiano::kernels::detail {

constexpr int kBlock = 16;  // positions scored together

// Lane i of the result is the sum of the sixteen lanes of x[i].
EMOPIANO_TARGET inline __m512 sum_lanes_of_16(const __m512* x) {
  __m512 pairs[8], quads[4];
  for (int i = 0; i < 8; ++i) {  // per 128-bit lane: [a0+a2, b0+b2, a1+a3, b1+b3]
    pairs[i] = _mm512_add_ps(_mm512_unpacklo_ps(x[2 * i], x[2 * i + 1]), _mm512_unpackhi_ps(x[2 * i], x[2 * i + 1]));
  }
  for (int i = 0; i < 4; ++i) {  // per 128-bit lane: the lane's sums of rows 4i..4i+3
    quads[i] = _mm512_add_ps(_mm512_shuffle_ps(pairs[2 * i], pairs[2 * i + 1], 0x44),
                             _mm512_shuffle_ps(pairs[2 * i], pairs[2 * i + 1], 0xEE));
  }
  const __m512 h0 =
      _mm512_add_ps(_mm512_shuffle_f32x4(quads[0], quads[1], 0x44), _mm512_shuffle_f32x4(quads[0], quads[1], 0xEE));
  const __m512 h1 =
      _mm512_add_ps(_mm512_shuffle_f32x4(quads[2], quads[3], 0x44), _mm512_shuffle_f32x4(quads[2], quads[3], 0xEE));
  return _mm512_add_ps(_mm512_shuffle_f32x4(h0, h1, 0x88), _mm512_shuffle_f32x4(h0, h1, 0xDD));
}

// exp(x) for x <= 0 (a score minus the largest): Cephes' polynomial on
// x - n ln 2, scaled by 2^n; below -87 the result is about 1e-38, which
// beside the largest term's 1 is nothing.
EMOPIANO_TARGET inline __m512 exp_nonpositive(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

// The unnormalised softmax in place, scores[s] = exp(scores[s] - max), and
// its total; the block's lanes past S are set to 0.
EMOPIANO_TARGET inline float exponentiate(float* scores, int64_t S) {
  const int64_t padded = (S + kBlock - 1) / kBlock * kBlock;
  for (int64_t s = S; s < padded; ++s) scores[s] = -INFINITY;
  __m512 top = _mm512_set1_ps(-INFINITY);
  for (int64_t s = 0; s < padded; s += kBlock) top = _mm512_max_ps(top, _mm512_loadu_ps(scores + s));
  alignas(64) float lanes[kBlock];
  _mm512_store_ps(lanes, top);
  const __m512 largest = _mm512_set1_ps(*std::max_element(lanes, lanes + kBlock));
  __m512 total = _mm512_setzero_ps();
  for (int64_t s = 0; s < padded; s += kBlock) {
    const __mmask16 live = S - s >= kBlock ? __mmask16(0xffff) : __mmask16((1u << (S - s)) - 1u);
    const __m512 p = _mm512_maskz_mov_ps(live, exp_nonpositive(_mm512_sub_ps(_mm512_loadu_ps(scores + s), largest)));
    _mm512_storeu_ps(scores + s, p);
    total = _mm512_add_ps(total, p);
  }
  _mm512_store_ps(lanes, total);
  float sum = 0.0f;
  for (float x : lanes) sum += x;
  return sum;
}

}  // namespace emopiano::kernels::detail
#endif
