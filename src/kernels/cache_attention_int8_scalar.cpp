// The portable int8 kernel: correct on any CPU, in the vector kernel's three
// steps, each row's scale applied once to its dot product or its weight.
#include <algorithm>
#include <cmath>

#include "kernels/cache_attention_kernels.hpp"
#include "kernels/int8_cache_rows.hpp"

namespace emopiano::kernels::detail {

void cache_attention_int8_scalar(const float* q, const int8_t* keys, const int8_t* values, int64_t S, int64_t D,
                                 float scale, float* scratch, float* out) {
  const int64_t R = int8_row_bytes(D);
  float* p = scratch;
  float top = -INFINITY;
  for (int64_t s = 0; s < S; ++s) {
    const int8_t* k = keys + s * R;
    float dot = 0.0f;
    for (int64_t d = 0; d < D; ++d) dot += q[d] * static_cast<float>(k[d]);
    p[s] = dot * int8_row_scale(k, D) * scale;
    top = std::max(top, p[s]);
  }
  float total = 0.0f;
  for (int64_t s = 0; s < S; ++s) total += (p[s] = std::exp(p[s] - top));
  for (int64_t d = 0; d < D; ++d) out[d] = 0.0f;
  for (int64_t s = 0; s < S; ++s) {
    const int8_t* v = values + s * R;
    const float w = p[s] * int8_row_scale(v, D);
    for (int64_t d = 0; d < D; ++d) out[d] += w * static_cast<float>(v[d]);
  }
  const float inv = 1.0f / total;
  for (int64_t d = 0; d < D; ++d) out[d] *= inv;
}

}  // namespace emopiano::kernels::detail
