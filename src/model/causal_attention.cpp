#include "model/causal_attention.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/attention_window.hpp"
#include "model/causal_softmax.hpp"

namespace emopiano::detail {

namespace {

// 0 where query row i (at absolute position `first_query` + i) sees key
// column j (at absolute position `first_key` + j), -inf at the keys its
// window has left behind; undefined when no row of the block left any.
torch::Tensor window_mask(int64_t first_query, int64_t rows, int64_t first_key, int64_t columns, int64_t window,
                          const torch::TensorOptions& options) {
  if (kernels::window_first_key(first_query + rows - 1, window) == first_key) return {};
  std::vector<float> mask(static_cast<size_t>(rows * columns), 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t left = kernels::window_first_key(first_query + i, window) - first_key;
    std::fill_n(mask.begin() + i * columns, left, -std::numeric_limits<float>::infinity());
  }
  // to() returns the blob itself for float scores: copy it out of `mask`.
  return torch::from_blob(mask.data(), {rows, columns}, torch::kFloat).to(options.dtype(), false, true);
}

}  // namespace

torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale,
                               int64_t past, double dropout, int64_t block, int64_t window) {
  const int64_t T = q.size(-2);
  if (window <= 0 && (block <= 0 || T <= block))
    return torch::matmul(causal_softmax(torch::matmul(q, k.transpose(-2, -1)), scale, past, dropout), v);
  if (block <= 0) block = T;
  std::vector<torch::Tensor> rows;
  for (int64_t r0 = 0; r0 < T; r0 += block) {
    const int64_t n = std::min(block, T - r0), seen = past + r0 + n;
    const int64_t first = kernels::window_first_key(past + r0, window);
    const auto keys = k.narrow(-2, first, seen - first), values = v.narrow(-2, first, seen - first);
    auto scores = torch::matmul(q.narrow(-2, r0, n), keys.transpose(-2, -1));
    const auto mask = window_mask(past + r0, n, first, seen - first, window, scores.options());
    if (mask.defined()) scores = scores + mask;
    auto p = causal_softmax(scores, scale, past + r0 - first, dropout);
    rows.push_back(torch::matmul(p, values));
  }
  return rows.size() == 1 ? rows[0] : torch::cat(rows, -2);
}

}  // namespace emopiano::detail
