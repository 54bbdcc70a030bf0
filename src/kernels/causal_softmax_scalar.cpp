// The portable causal softmax: the reference the vector kernel is tested
// against, and what runs on CPUs without AVX2.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/causal_softmax.hpp"

namespace emopiano::kernels::detail {

void causal_softmax_forward_scalar(const CausalRows& s, const void* in, void* out, int64_t begin, int64_t end) {
  std::vector<float> row(static_cast<size_t>(s.width));
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * s.width, n = s.visible(r);
    float top = -INFINITY;
    for (int64_t j = 0; j < n; ++j) top = std::max(top, row[j] = s.scale * load_score(s, in, base + j));
    float total = 0.0f;
    for (int64_t j = 0; j < n; ++j) total += row[j] = std::exp(row[j] - top);
    const float inverse = 1.0f / total;
    for (int64_t j = 0; j < n; ++j) store_score(s, out, base + j, row[j] * inverse);
    for (int64_t j = n; j < s.width; ++j) store_score(s, out, base + j, 0.0f);
  }
}

void causal_softmax_backward_scalar(const CausalRows& s, const void* probs, const void* grad, void* grad_in,
                                    int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * s.width, n = s.visible(r);
    float dot = 0.0f;
    for (int64_t j = 0; j < n; ++j) dot += load_score(s, probs, base + j) * load_score(s, grad, base + j);
    for (int64_t j = 0; j < n; ++j) {
      store_score(s, grad_in, base + j,
                  s.scale * load_score(s, probs, base + j) * (load_score(s, grad, base + j) - dot));
    }
    for (int64_t j = n; j < s.width; ++j) store_score(s, grad_in, base + j, 0.0f);
  }
}

}  // namespace emopiano::kernels::detail
