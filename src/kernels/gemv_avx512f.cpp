// AVX-512F: a 64-byte block holds columns 2j and 2j + 1 of sixteen rows;
// a shift and a mask widen them to two float vectors (bf16 is the top half
// of a float), multiplied by x[2j] and x[2j + 1] broadcast. Four sums per
// row of x (even/odd column, even/odd pair) hide the FMA latency.
#include "kernels/gemv_kernels.hpp"

#include <algorithm>

#ifdef EMOPIANO_X86_KERNELS
#include <immintrin.h>

// GCC 12 reports the deliberately undefined source vector inside
// _mm512_slli_epi32 as maybe uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace emopiano::kernels::detail {

namespace {

#define EMOPIANO_TARGET __attribute__((target("avx512f")))

// The loops over rows (i) and sums (k) are unrolled by pragma, so that GCC
// unrolls them before it decides where acc lives (as gemv_avx512_bf16.cpp).
template <int N>
EMOPIANO_TARGET inline void panel(const PackedMatrix& w, int64_t p, const float* bias, const float* x, int64_t x_stride,
                                  float* y, int64_t y_stride) {
  const int64_t cols = w.cols(), full = cols / 2;
  const __m512i high = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
  __m512 acc[N][4];
#pragma GCC unroll 4
  for (int i = 0; i < N; ++i)
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) acc[i][k] = _mm512_setzero_ps();
  const uint16_t* b = w.block(p, 0);
  int64_t j = 0;
  for (; j + 2 <= full; j += 2) {
    const __m512i v0 = _mm512_load_si512(b + j * 2 * kPanelRows);
    const __m512i v1 = _mm512_load_si512(b + (j + 1) * 2 * kPanelRows);
    const __m512 e0 = _mm512_castsi512_ps(_mm512_slli_epi32(v0, 16));
    const __m512 o0 = _mm512_castsi512_ps(_mm512_and_si512(v0, high));
    const __m512 e1 = _mm512_castsi512_ps(_mm512_slli_epi32(v1, 16));
    const __m512 o1 = _mm512_castsi512_ps(_mm512_and_si512(v1, high));
#pragma GCC unroll 4
    for (int i = 0; i < N; ++i) {
      const float* xi = x + i * x_stride + 2 * j;
      acc[i][0] = _mm512_fmadd_ps(e0, _mm512_set1_ps(xi[0]), acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(o0, _mm512_set1_ps(xi[1]), acc[i][1]);
      acc[i][2] = _mm512_fmadd_ps(e1, _mm512_set1_ps(xi[2]), acc[i][2]);
      acc[i][3] = _mm512_fmadd_ps(o1, _mm512_set1_ps(xi[3]), acc[i][3]);
    }
  }
  for (; j < w.column_pairs(); ++j) {  // the last pair, and a lone last column
    const __m512i v = _mm512_load_si512(b + j * 2 * kPanelRows);
    const __m512 e = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
    const __m512 o = _mm512_castsi512_ps(_mm512_and_si512(v, high));
#pragma GCC unroll 4
    for (int i = 0; i < N; ++i) {
      const float* xi = x + i * x_stride + 2 * j;
      acc[i][0] = _mm512_fmadd_ps(e, _mm512_set1_ps(xi[0]), acc[i][0]);
      if (2 * j + 1 < cols) acc[i][1] = _mm512_fmadd_ps(o, _mm512_set1_ps(xi[1]), acc[i][1]);
    }
  }
  const int64_t row0 = p * kPanelRows, left = w.rows() - row0;
  const __mmask16 mask = left >= kPanelRows ? __mmask16(0xffff) : __mmask16((1u << left) - 1u);
  const __m512 bv = bias ? _mm512_maskz_loadu_ps(mask, bias + row0) : _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int i = 0; i < N; ++i) {
    const __m512 sum =
        _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(acc[i][0], acc[i][2]), _mm512_add_ps(acc[i][1], acc[i][3])), bv);
    _mm512_mask_storeu_ps(y + i * y_stride + row0, mask, sum);
  }
}

}  // namespace

EMOPIANO_TARGET void gemv_avx512f(const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y,
                                  int64_t y_stride, int64_t n) {
  // Panel by panel, every row of x: the panel comes from L1 after the first group.
  for (int64_t p = 0; p < w.panels(); ++p) {
    for (int64_t i = 0; i < n; i += kRowsPerPass) {
      const float* xi = x + i * x_stride;
      float* yi = y + i * y_stride;
      switch (std::min<int64_t>(n - i, kRowsPerPass)) {
        case 4: panel<4>(w, p, bias, xi, x_stride, yi, y_stride); break;
        case 3: panel<3>(w, p, bias, xi, x_stride, yi, y_stride); break;
        case 2: panel<2>(w, p, bias, xi, x_stride, yi, y_stride); break;
        default: panel<1>(w, p, bias, xi, x_stride, yi, y_stride); break;
      }
    }
  }
}

}  // namespace emopiano::kernels::detail
#endif
