// y = W x + b for n rows of x against a bf16 PackedMatrix, accumulated in
// float32. Up to four rows are computed while the weights are in registers
// and the rest while the panel is in L1, so guidance's extra rows and a
// batch of pieces read the matrix from memory once.
// A kernel per instruction set is compiled into every build; the best one
// the CPU runs is chosen once, at first use.
#pragma once

#include <cstdint>

#include "kernels/packed_matrix.hpp"

namespace emopiano::kernels {

enum class GemvIsa {
  scalar,       // portable C++, any CPU
  avx2_fma,     // x86-64-v3
  avx512f,      // bf16 widened to float by shifts, then FMA
  avx512_bf16,  // vdpbf16ps: x is rounded to bf16 too, pairs of products summed in float
};

const char* gemv_isa_name(GemvIsa isa);
// True when `isa` was compiled in and this CPU (and its OS) runs it.
bool gemv_isa_supported(GemvIsa isa);
// The fastest supported kernel, or the one named by the environment variable
// EMOPIANO_GEMV (scalar, avx2_fma, avx512f, avx512_bf16) when this CPU runs
// it: for measuring one kernel against another.
GemvIsa gemv_isa();

// x: n rows of w.cols() floats, x_stride apart; y: n rows of w.rows()
// floats, y_stride apart; bias: w.rows() floats or null. Every row is
// computed the same way whatever n is, so results do not depend on the batch.
void gemv(GemvIsa isa, const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y,
          int64_t y_stride, int64_t n);
inline void gemv(const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y, int64_t y_stride,
                 int64_t n) {
  gemv(gemv_isa(), w, bias, x, x_stride, y, y_stride, n);
}

}  // namespace emopiano::kernels
