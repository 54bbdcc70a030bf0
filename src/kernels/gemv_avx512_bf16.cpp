// AVX-512 BF16: x is rounded to bf16 once per call and paired (x[2j],
// x[2j + 1]) in one 32-bit word; vdpbf16ps then multiplies a 64-byte block
// (columns 2j, 2j + 1 of sixteen rows) by the broadcast pair and adds both
// products to sixteen float sums in one instruction.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/bf16.hpp"
#include "kernels/gemv_kernels.hpp"

#ifdef EMOPIANO_X86_KERNELS
#include <immintrin.h>

namespace emopiano::kernels::detail {

uint32_t* bf16_pair_scratch(int64_t words) {
  thread_local std::vector<uint32_t> scratch;
  if (static_cast<int64_t>(scratch.size()) < words) scratch.resize(static_cast<size_t>(words));
  return scratch.data();
}

namespace {

#define EMOPIANO_TARGET __attribute__((target("avx512f,avx512bf16")))

EMOPIANO_TARGET void to_pairs(const float* x, int64_t cols, uint32_t* pairs) {
  int64_t c = 0;
  for (; c + 32 <= cols; c += 32) {
    const __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + c + 16), _mm512_loadu_ps(x + c));
    _mm512_storeu_si512(pairs + c / 2, reinterpret_cast<const __m512i&>(h));
  }
  for (; c < cols; c += 2) {
    const uint32_t hi = c + 1 < cols ? to_bf16(x[c + 1]) : 0u;
    pairs[c / 2] = static_cast<uint32_t>(to_bf16(x[c])) | (hi << 16);
  }
}

// Blocks (64 bytes each) ahead of the loads that the loop asks for: with
// two or more rows the loop issues more work per block, and the hardware
// prefetcher alone then leaves it waiting on L3 (1.05x faster at batch 2).
constexpr int64_t kPrefetchBlocks = 16;

// The loops over rows (i) and sums (k) are unrolled by pragma, so that GCC
// unrolls them before it decides where acc lives; left to itself it kept
// acc on the stack and stored and loaded it again on every panel.
template <int N>
EMOPIANO_TARGET inline void panel(const PackedMatrix& w, int64_t p, const float* bias, const uint32_t* pairs, float* y,
                                  int64_t y_stride) {
  const int64_t J = w.column_pairs();
  __m512 acc[N][4];
#pragma GCC unroll 4
  for (int i = 0; i < N; ++i)
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) acc[i][k] = _mm512_setzero_ps();
  const uint16_t* b = w.block(p, 0);
  int64_t j = 0;
  for (; j + 4 <= J; j += 4) {
    __m512bh v[4];
    // Past the panel's end this is the next panel; past the matrix's end, an
    // address a prefetch may name (it never faults), computed as an integer.
    const uintptr_t ahead = reinterpret_cast<uintptr_t>(b + j * 2 * kPanelRows) + kPrefetchBlocks * 64;
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) _mm_prefetch(reinterpret_cast<const char*>(ahead + k * 64), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      const __m512i raw = _mm512_load_si512(b + (j + k) * 2 * kPanelRows);
      v[k] = reinterpret_cast<const __m512bh&>(raw);
    }
#pragma GCC unroll 4
    for (int i = 0; i < N; ++i) {
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        const __m512i xi = _mm512_set1_epi32(static_cast<int>(pairs[i * J + j + k]));
        acc[i][k] = _mm512_dpbf16_ps(acc[i][k], v[k], reinterpret_cast<const __m512bh&>(xi));
      }
    }
  }
  // The last J % 4 pairs, pair j + k into sum k as above (a constant index,
  // where acc[i][j % 4] kept acc in memory).
#pragma GCC unroll 4
  for (int k = 0; k < 3; ++k) {
    if (j + k >= J) break;
    const __m512i raw = _mm512_load_si512(b + (j + k) * 2 * kPanelRows);
#pragma GCC unroll 4
    for (int i = 0; i < N; ++i) {
      const __m512i xi = _mm512_set1_epi32(static_cast<int>(pairs[i * J + j + k]));
      acc[i][k] =
          _mm512_dpbf16_ps(acc[i][k], reinterpret_cast<const __m512bh&>(raw), reinterpret_cast<const __m512bh&>(xi));
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

EMOPIANO_TARGET void gemv_avx512_bf16(const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride,
                                      float* y, int64_t y_stride, int64_t n) {
  const int64_t J = w.column_pairs();
  uint32_t* pairs = bf16_pair_scratch(n * J);
  for (int64_t i = 0; i < n; ++i) to_pairs(x + i * x_stride, w.cols(), pairs + i * J);
  // Panel by panel, every row of x: a panel (16 rows of w, at most 32 KiB)
  // is read from memory for the first group of rows and from L1 after.
  for (int64_t p = 0; p < w.panels(); ++p) {
    for (int64_t i = 0; i < n; i += kRowsPerPass) {
      const uint32_t* pi = pairs + i * J;
      float* yi = y + i * y_stride;
      switch (std::min<int64_t>(n - i, kRowsPerPass)) {
        case 4: panel<4>(w, p, bias, pi, yi, y_stride); break;
        case 3: panel<3>(w, p, bias, pi, yi, y_stride); break;
        case 2: panel<2>(w, p, bias, pi, yi, y_stride); break;
        default: panel<1>(w, p, bias, pi, yi, y_stride); break;
      }
    }
  }
}

}  // namespace emopiano::kernels::detail
#endif
