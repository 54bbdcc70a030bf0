// The portable kernel: correct on any CPU, in the vector kernels' three steps.
#include <algorithm>
#include <cmath>

#include "kernels/bf16.hpp"
#include "kernels/cache_attention_kernels.hpp"
#include "kernels/key_panels.hpp"

namespace emopiano::kernels::detail {

void cache_attention_scalar(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S, int64_t D,
                            float scale, float* scratch, float* out) {
  float* p = scratch;
  float top = -INFINITY;
  for (int64_t s = 0; s < S; ++s) {
    float dot = 0.0f;
    for (int64_t d = 0; d < D; ++d) dot += q[d] * read_key(keys, s, d, D);
    p[s] = dot * scale;
    top = std::max(top, p[s]);
  }
  float total = 0.0f;
  for (int64_t s = 0; s < S; ++s) total += (p[s] = std::exp(p[s] - top));
  for (int64_t d = 0; d < D; ++d) out[d] = 0.0f;
  for (int64_t s = 0; s < S; ++s) {
    const uint16_t* v = values + s * D;
    for (int64_t d = 0; d < D; ++d) out[d] += p[s] * from_bf16(v[d]);
  }
  const float inv = 1.0f / total;
  for (int64_t d = 0; d < D; ++d) out[d] *= inv;
}

}  // namespace emopiano::kernels::detail
