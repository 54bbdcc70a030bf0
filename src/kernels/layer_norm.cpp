#include "kernels/layer_norm.hpp"

#include <cmath>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define EMOPIANO_LAYER_NORM_X86 1
// GCC 12 reports the deliberately undefined source vector inside
// _mm512_cvtps_pd as maybe uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// No fused multiply-adds in this file, whatever -march the build uses: a
// multiply and an add stay two roundings in every kernel, so that the
// vector kernels give the portable one's floats bit for bit.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace emopiano::kernels {

namespace {

// The eight partial sums, added as the portable loop adds them.
double join(const double (&partial)[8]) {
  return ((partial[0] + partial[4]) + (partial[2] + partial[6])) +
         ((partial[1] + partial[5]) + (partial[3] + partial[7]));
}

// The sum of n values in eight interleaved partial sums, value i in sum
// i % 8: a single chain of dependent additions waits for each addition's
// latency in turn.
template <typename Term>
double sum_of(int64_t n, Term term) {
  double partial[8] = {};
  for (int64_t i = 0; i < n; ++i) partial[i % 8] += term(i);
  return join(partial);
}

// y[i] = (x[i] - mean) * inv * weight[i] + bias[i] in float, for i in [begin, n).
void scale_portable(const LayerNormWeights& ln, const float* x, int64_t begin, int64_t n, float m, float inv,
                    float* y) {
  for (int64_t i = begin; i < n; ++i)
    y[i] = (x[i] - m) * inv * ln.weight[static_cast<size_t>(i)] + ln.bias[static_cast<size_t>(i)];
}

float inverse_deviation(double squares, int64_t n, float eps) {
  return static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(n) + static_cast<double>(eps)));
}

void layer_norm_portable(const LayerNormWeights& ln, const float* x, int64_t n, float* y) {
  const double mean = sum_of(n, [x](int64_t i) { return static_cast<double>(x[i]); }) / static_cast<double>(n);
  const double squares = sum_of(n, [x, mean](int64_t i) { return (x[i] - mean) * (x[i] - mean); });
  scale_portable(ln, x, 0, n, static_cast<float>(mean), inverse_deviation(squares, n, ln.eps), y);
}

#ifdef EMOPIANO_LAYER_NORM_X86
#define EMOPIANO_TARGET __attribute__((target("avx512f")))

EMOPIANO_TARGET void layer_norm_avx512(const LayerNormWeights& ln, const float* x, int64_t n, float* y) {
  // Lane k of `sum` is the portable kernel's partial sum k.
  __m512d sum = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) sum = _mm512_add_pd(sum, _mm512_cvtps_pd(_mm256_loadu_ps(x + i)));
  const __mmask8 tail = static_cast<__mmask8>((1u << (n - i)) - 1u);
  if (i < n)
    sum =
        _mm512_mask_add_pd(sum, tail, sum, _mm512_cvtps_pd(_mm512_castps512_ps256(_mm512_maskz_loadu_ps(tail, x + i))));
  alignas(64) double partial[8];
  _mm512_store_pd(partial, sum);
  const double mean = join(partial) / static_cast<double>(n);

  const __m512d mv = _mm512_set1_pd(mean);
  sum = _mm512_setzero_pd();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)), mv);
    sum = _mm512_add_pd(sum, _mm512_mul_pd(d, d));
  }
  if (i < n) {
    const __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(_mm512_maskz_loadu_ps(tail, x + i))), mv);
    sum = _mm512_mask_add_pd(sum, tail, sum, _mm512_mul_pd(d, d));
  }
  _mm512_store_pd(partial, sum);
  const float inv = inverse_deviation(join(partial), n, ln.eps);

  const __m512 m = _mm512_set1_ps(static_cast<float>(mean)), s = _mm512_set1_ps(inv);
  for (i = 0; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), m), s),
                                   _mm512_loadu_ps(ln.weight.data() + i));
    _mm512_storeu_ps(y + i, _mm512_add_ps(v, _mm512_loadu_ps(ln.bias.data() + i)));
  }
  scale_portable(ln, x, i, n, static_cast<float>(mean), inv, y);  // the last n % 16
}
#undef EMOPIANO_TARGET

// AVX2: the eight partial sums in two vectors of four doubles.
#define EMOPIANO_TARGET __attribute__((target("avx2,fma")))

EMOPIANO_TARGET double partial_sums_avx2(const float* x, int64_t n, double mean, bool squares) {
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
  const __m256d mv = _mm256_set1_pd(mean);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256d a = _mm256_cvtps_pd(_mm_loadu_ps(x + i)), b = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4));
    if (squares) {
      a = _mm256_sub_pd(a, mv);
      b = _mm256_sub_pd(b, mv);
      a = _mm256_mul_pd(a, a);
      b = _mm256_mul_pd(b, b);
    }
    lo = _mm256_add_pd(lo, a);
    hi = _mm256_add_pd(hi, b);
  }
  alignas(32) double partial[8];
  _mm256_store_pd(partial, lo);
  _mm256_store_pd(partial + 4, hi);
  for (int64_t k = 0; i + k < n; ++k) {
    const double v = squares ? (x[i + k] - mean) * (x[i + k] - mean) : static_cast<double>(x[i + k]);
    partial[k] += v;
  }
  return join(partial);
}

EMOPIANO_TARGET void layer_norm_avx2(const LayerNormWeights& ln, const float* x, int64_t n, float* y) {
  const double mean = partial_sums_avx2(x, n, 0.0, false) / static_cast<double>(n);
  const float inv = inverse_deviation(partial_sums_avx2(x, n, mean, true), n, ln.eps);
  const __m256 m = _mm256_set1_ps(static_cast<float>(mean)), s = _mm256_set1_ps(inv);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), m), s),
                                   _mm256_loadu_ps(ln.weight.data() + i));
    _mm256_storeu_ps(y + i, _mm256_add_ps(v, _mm256_loadu_ps(ln.bias.data() + i)));
  }
  scale_portable(ln, x, i, n, static_cast<float>(mean), inv, y);
}
#undef EMOPIANO_TARGET
#endif

}  // namespace

void layer_norm(GemvIsa isa, const LayerNormWeights& ln, const float* x, int64_t n, float* y) {
#ifdef EMOPIANO_LAYER_NORM_X86
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool wide = isa == GemvIsa::avx512f || isa == GemvIsa::avx512_bf16;
  if (avx512 && wide) return layer_norm_avx512(ln, x, n, y);
  if (avx2 && (wide || isa == GemvIsa::avx2_fma)) return layer_norm_avx2(ln, x, n, y);
#else
  (void)isa;
#endif
  layer_norm_portable(ln, x, n, y);
}

void layer_norm(const LayerNormWeights& ln, const float* x, int64_t n, float* y) {
  static const GemvIsa isa = gemv_isa();
  layer_norm(isa, ln, x, n, y);
}

}  // namespace emopiano::kernels
