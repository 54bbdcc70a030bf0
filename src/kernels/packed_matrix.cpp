#include "kernels/packed_matrix.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels/bf16.hpp"

namespace emopiano::kernels {

void PackedMatrix::Free::operator()(uint16_t* p) const { std::free(p); }

PackedMatrix::PackedMatrix(const float* w, int64_t rows, int64_t cols, int64_t stride) : rows_(rows), cols_(cols) {
  const size_t size = static_cast<size_t>(bytes());
  // aligned_alloc needs a multiple of the alignment: every block is 64 bytes.
  void* memory = size ? std::aligned_alloc(64, size) : nullptr;
  if (size && !memory) throw std::bad_alloc();
  data_.reset(static_cast<uint16_t*>(memory));
  if (size) std::memset(memory, 0, size);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t p = r / kPanelRows, lane = r % kPanelRows;
    for (int64_t c = 0; c < cols; ++c) {
      uint16_t* b = data_.get() + (p * column_pairs() + c / 2) * 2 * kPanelRows;
      b[lane * 2 + c % 2] = to_bf16(w[r * stride + c]);
    }
  }
}

float PackedMatrix::at(int64_t r, int64_t c) const {
  return from_bf16(block(r / kPanelRows, c / 2)[(r % kPanelRows) * 2 + c % 2]);
}

}  // namespace emopiano::kernels
