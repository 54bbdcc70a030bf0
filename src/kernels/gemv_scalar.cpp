// The portable kernel: correct on any CPU, and the reference the vector
// kernels are tested beside.
#include "kernels/bf16.hpp"
#include "kernels/gemv_kernels.hpp"

namespace emopiano::kernels::detail {

void gemv_scalar(const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y, int64_t y_stride,
                 int64_t n) {
  const int64_t rows = w.rows(), cols = w.cols();
  for (int64_t p = 0; p < w.panels(); ++p) {
    for (int64_t i = 0; i < n; ++i) {
      const float* xi = x + i * x_stride;
      // Even and odd columns in separate sums, as the vector kernels keep them.
      float even[kPanelRows] = {}, odd[kPanelRows] = {};
      for (int64_t j = 0; j < w.column_pairs(); ++j) {
        const uint16_t* b = w.block(p, j);
        const float xe = xi[2 * j], xo = 2 * j + 1 < cols ? xi[2 * j + 1] : 0.0f;
        for (int64_t r = 0; r < kPanelRows; ++r) {
          even[r] += from_bf16(b[2 * r]) * xe;
          odd[r] += from_bf16(b[2 * r + 1]) * xo;
        }
      }
      for (int64_t r = 0; r < kPanelRows && p * kPanelRows + r < rows; ++r) {
        const int64_t row = p * kPanelRows + r;
        y[i * y_stride + row] = (even[r] + odd[r]) + (bias ? bias[row] : 0.0f);
      }
    }
  }
}

}  // namespace emopiano::kernels::detail
