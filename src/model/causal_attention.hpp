// Causal attention, softmax(scale * q k^T) v, in blocks of query rows: a
// block of rows is scored only against the keys its last row may see, so the
// square's masked upper triangle is neither multiplied, soft-maxed nor kept
// for the backward pass (about 3/8 less of each at T = 4 blocks).
#pragma once

#include <torch/torch.h>

namespace emopiano::detail {

// Query rows per block when the caller does not choose.
constexpr int64_t kAttentionQueryBlock = 128;

// q: [..., T, D] at absolute positions past .. past + T - 1; k, v:
// [..., past + T, D]. Query i sees keys 0..past + i, or with a sliding
// window (> 0, kernels/attention_window.hpp) keys window_first_key(past +
// i, window)..past + i. Returns [..., T, D].
// Rows are taken `block` at a time (block <= 0: all at once); each block is
// an autograd graph of its own two products and its causal_softmax(), so
// without dropout the result and its gradients are those of the whole square
// computed at once, up to the order of the products' sums. With dropout each
// block draws its own mask, with the same keep rate. A block with a window
// is scored only against the keys its first row may see, and the keys its
// later rows have left behind are masked out by an added -inf.
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale,
                               int64_t past, double dropout = 0.0, int64_t block = kAttentionQueryBlock,
                               int64_t window = 0);

}  // namespace emopiano::detail
