// The row format of an int8 K/V cache: one key (or value) of one head at one
// position is D signed bytes q_d and the row's scale s, a float in the row's
// last four bytes, with x_d ~ s * q_d and s = max_d |x_d| / 127. A quarter
// of a float row's bytes (plus four), half of a bf16 row's; the error of a
// value is at most s / 2, 1/254 of the row's largest.
#pragma once

#include <cstdint>
#include <cstring>

namespace emopiano::kernels {

constexpr int64_t int8_row_bytes(int64_t D) { return D + 4; }

// Writes x (D floats) as one row of int8_row_bytes(D) bytes. A row of zeros
// has scale 0; a row with a NaN or an infinity has the scale NaN, so what is
// read back is NaN, as with a float cache.
void quantize_int8_row(const float* x, int64_t D, int8_t* row);

inline float int8_row_scale(const int8_t* row, int64_t D) {
  float s;
  std::memcpy(&s, row + D, sizeof s);
  return s;
}

}  // namespace emopiano::kernels
