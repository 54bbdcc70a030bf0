#include "model/causal_attention.hpp"

#include <algorithm>
#include <vector>

#include "model/causal_softmax.hpp"

namespace emopiano::detail {

torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale,
                               int64_t past, double dropout, int64_t block) {
  const int64_t T = q.size(-2);
  if (block <= 0 || T <= block)
    return torch::matmul(causal_softmax(torch::matmul(q, k.transpose(-2, -1)), scale, past, dropout), v);
  std::vector<torch::Tensor> rows;
  for (int64_t r0 = 0; r0 < T; r0 += block) {
    const int64_t n = std::min(block, T - r0), seen = past + r0 + n;
    const auto keys = k.narrow(-2, 0, seen), values = v.narrow(-2, 0, seen);
    auto p = causal_softmax(torch::matmul(q.narrow(-2, r0, n), keys.transpose(-2, -1)), scale, past + r0, dropout);
    rows.push_back(torch::matmul(p, values));
  }
  return torch::cat(rows, -2);
}

}  // namespace emopiano::detail
