// AVX2 + FMA: as the AVX-512F kernel, with each 64-byte block read as two
// 32-byte halves (rows 0-7 and 8-15). Even and odd columns keep separate
// sums, which with the two halves gives four independent FMA chains.
#include "kernels/gemv_kernels.hpp"

#ifdef EMOPIANO_X86_KERNELS
#include <immintrin.h>

namespace emopiano::kernels::detail {

namespace {

#define EMOPIANO_TARGET __attribute__((target("avx2,fma")))

template <int N>
EMOPIANO_TARGET inline void panel(const PackedMatrix& w, int64_t p, const float* bias, const float* x, int64_t x_stride,
                                  float* y, int64_t y_stride) {
  const int64_t cols = w.cols();
  const __m256i high = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  // acc[i][half * 2 + (0 even, 1 odd)]
  __m256 acc[N][4];
  for (int i = 0; i < N; ++i)
    for (int k = 0; k < 4; ++k) acc[i][k] = _mm256_setzero_ps();
  const uint16_t* b = w.block(p, 0);
  for (int64_t j = 0; j < w.column_pairs(); ++j) {
    const uint16_t* block = b + j * 2 * kPanelRows;
    const bool has_odd = 2 * j + 1 < cols;
    for (int half = 0; half < 2; ++half) {
      const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(block + half * kPanelRows));
      const __m256 e = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
      const __m256 o = _mm256_castsi256_ps(_mm256_and_si256(v, high));
      for (int i = 0; i < N; ++i) {
        const float* xi = x + i * x_stride + 2 * j;
        acc[i][half * 2] = _mm256_fmadd_ps(e, _mm256_set1_ps(xi[0]), acc[i][half * 2]);
        if (has_odd) acc[i][half * 2 + 1] = _mm256_fmadd_ps(o, _mm256_set1_ps(xi[1]), acc[i][half * 2 + 1]);
      }
    }
  }
  const int64_t row0 = p * kPanelRows, left = w.rows() - row0;
  for (int i = 0; i < N; ++i) {
    alignas(32) float out[kPanelRows];
    _mm256_store_ps(out, _mm256_add_ps(acc[i][0], acc[i][1]));
    _mm256_store_ps(out + 8, _mm256_add_ps(acc[i][2], acc[i][3]));
    float* yi = y + i * y_stride + row0;
    for (int64_t r = 0; r < kPanelRows && r < left; ++r) yi[r] = out[r] + (bias ? bias[row0 + r] : 0.0f);
  }
}

}  // namespace

EMOPIANO_TARGET void gemv_avx2_fma(const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y,
                                   int64_t y_stride, int64_t n) {
  // Two rows of x at a time (sixteen registers hold no more sums), panel by
  // panel: the panel comes from L1 for every pair of rows after the first.
  for (int64_t p = 0; p < w.panels(); ++p) {
    for (int64_t i = 0; i < n; i += 2) {
      const float* xi = x + i * x_stride;
      float* yi = y + i * y_stride;
      if (n - i >= 2) {
        panel<2>(w, p, bias, xi, x_stride, yi, y_stride);
      } else {
        panel<1>(w, p, bias, xi, x_stride, yi, y_stride);
      }
    }
  }
}

}  // namespace emopiano::kernels::detail
#endif
