// A weight matrix W [rows, cols] stored for matrix-vector products in bf16,
// laid out so that one 64-byte load holds the next two columns of sixteen
// rows: panels of 16 rows, and within a panel, for each pair of columns
// (2j, 2j + 1), the 32 values W[r][2j], W[r][2j + 1] for r = 0..15. A
// product then streams the matrix once, front to back, with no horizontal
// sums. Rows are padded to 16 and columns to 2 with zeros.
#pragma once

#include <cstdint>
#include <memory>

namespace emopiano::kernels {

constexpr int64_t kPanelRows = 16;

class PackedMatrix {
 public:
  PackedMatrix() = default;
  // Packs the row-major float matrix `w` (rows x cols, rows apart by `stride` floats).
  PackedMatrix(const float* w, int64_t rows, int64_t cols, int64_t stride);

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t panels() const { return (rows_ + kPanelRows - 1) / kPanelRows; }
  int64_t column_pairs() const { return (cols_ + 1) / 2; }
  // The 2 * kPanelRows values of panel p, column pair j.
  const uint16_t* block(int64_t p, int64_t j) const { return data_.get() + (p * column_pairs() + j) * 2 * kPanelRows; }
  float at(int64_t r, int64_t c) const;  // the stored (rounded) value
  int64_t bytes() const { return panels() * column_pairs() * 2 * kPanelRows * 2; }

 private:
  struct Free {
    void operator()(uint16_t* p) const;
  };
  int64_t rows_ = 0, cols_ = 0;
  std::unique_ptr<uint16_t[], Free> data_;  // 64-byte aligned
};

}  // namespace emopiano::kernels
