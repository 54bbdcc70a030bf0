// The per-instruction-set kernels behind gemv(), for any number n of rows
// of x: each streams the matrix once, panel by panel, and computes every row
// against a panel while it is in L1. Each lives in
// its own file, compiled for its instruction set by function attributes only,
// so nothing else in the library is built for a CPU it may not run on.
#pragma once

#include <cstdint>

#include "kernels/packed_matrix.hpp"

namespace emopiano::kernels::detail {

// Rows of x the AVX-512 kernels keep sums for at once: 4 x 4 accumulators
// and the panel's vectors fit the 32 registers.
constexpr int64_t kRowsPerPass = 4;

using GemvKernel = void (*)(const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y,
                            int64_t y_stride, int64_t n);

void gemv_scalar(const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y, int64_t y_stride,
                 int64_t n);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EMOPIANO_X86_KERNELS 1
void gemv_avx2_fma(const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y,
                   int64_t y_stride, int64_t n);
void gemv_avx512f(const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y,
                  int64_t y_stride, int64_t n);
void gemv_avx512_bf16(const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y,
                      int64_t y_stride, int64_t n);
// x rounded to bf16 and paired as vdpbf16ps reads it: n rows of
// w.column_pairs() words, in a per-thread buffer.
uint32_t* bf16_pair_scratch(int64_t words);
#endif

}  // namespace emopiano::kernels::detail
