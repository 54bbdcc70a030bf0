// The portable causal softmax: the reference the vector kernel is tested
// against, and what runs on CPUs without AVX2.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/causal_softmax.hpp"

namespace emopiano::kernels::detail {

void causal_softmax_forward_scalar(const CausalRows& s, const void* in, void* out, void* dropped, int64_t begin,
                                   int64_t end) {
  std::vector<float> row(static_cast<size_t>(s.width));
  const float kept_scale = 1.0f / (1.0f - s.drop);
  const int32_t threshold = dropout_threshold(s.drop);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * s.width, n = s.visible(r);
    float top = -INFINITY;
    for (int64_t j = 0; j < n; ++j) top = std::max(top, row[j] = s.scale * load_score(s.type, in, base + j));
    float total = 0.0f;
    for (int64_t j = 0; j < n; ++j) total += row[j] = std::exp(row[j] - top);
    const float inverse = 1.0f / total;
    for (int64_t j = 0; j < n; ++j) store_score(s.type, out, base + j, row[j] * inverse);
    for (int64_t j = n; j < s.width; ++j) store_score(s.type, out, base + j, 0.0f);
    if (s.drop <= 0.0f) continue;
    const uint32_t key = dropout_row_key(s.seed, r);
    const float kept = inverse * kept_scale;
    for (int64_t j = 0; j < n; ++j)
      store_score(s.type, dropped, base + j, dropout_keeps(threshold, key, j) ? row[j] * kept : 0.0f);
    for (int64_t j = n; j < s.width; ++j) store_score(s.type, dropped, base + j, 0.0f);
  }
}

void causal_softmax_backward_scalar(const CausalRows& s, const void* probs, const void* grad, void* grad_in,
                                    int64_t begin, int64_t end) {
  std::vector<float> d(static_cast<size_t>(s.width));
  const float kept_scale = 1.0f / (1.0f - s.drop);
  const int32_t threshold = dropout_threshold(s.drop);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * s.width, n = s.visible(r);
    const uint32_t key = s.drop > 0.0f ? dropout_row_key(s.seed, r) : 0;
    float dot = 0.0f;
    for (int64_t j = 0; j < n; ++j) {
      d[j] = load_score(s.type, grad, base + j);
      if (s.drop > 0.0f) d[j] = dropout_keeps(threshold, key, j) ? d[j] * kept_scale : 0.0f;
      dot += load_score(s.type, probs, base + j) * d[j];
    }
    for (int64_t j = 0; j < n; ++j)
      store_score(s.type, grad_in, base + j, s.scale * load_score(s.type, probs, base + j) * (d[j] - dot));
    for (int64_t j = n; j < s.width; ++j) store_score(s.type, grad_in, base + j, 0.0f);
  }
}

}  // namespace emopiano::kernels::detail
