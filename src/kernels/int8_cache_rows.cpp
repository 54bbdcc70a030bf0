#include "kernels/int8_cache_rows.hpp"

#include <algorithm>
#include <cmath>

namespace emopiano::kernels {

void quantize_int8_row(const float* x, int64_t D, int8_t* row) {
  float top = 0.0f;
  bool finite = true;
  for (int64_t d = 0; d < D; ++d) {
    finite = finite && std::isfinite(x[d]);
    top = std::max(top, std::fabs(x[d]));
  }
  float scale = finite ? top / 127.0f : std::nanf("");
  const float inv = finite && top > 0.0f ? 127.0f / top : 0.0f;
  for (int64_t d = 0; d < D; ++d) {
    const float q = std::nearbyint(x[d] * inv);
    row[d] = static_cast<int8_t>(std::clamp(finite ? q : 0.0f, -127.0f, 127.0f));
  }
  std::memcpy(row + D, &scale, sizeof scale);
}

}  // namespace emopiano::kernels
