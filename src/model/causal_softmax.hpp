// softmax(scale * scores) with a causal mask, as one autograd operation whose
// forward and backward passes each read a row of scores once
// (kernels/causal_softmax.hpp). Training's attention spent most of its time
// in the separate scale, mask and bf16 softmax operations and their
// backward passes, not in its matrix products.
#pragma once

#include <torch/torch.h>

namespace emopiano::detail {

// scores: [..., T, S], float32 or bfloat16, from T queries at absolute
// positions past .. past + T - 1 over S keys; query i sees keys 0..past + i.
// Returns the probabilities in the scores' type, 0 at the keys a query does
// not see. With dropout > 0 they are passed through dropout as well, its
// mask drawn from a seed taken from LibTorch's default generator (so a
// checkpoint's generator state resumes it exactly) and computed again in the
// backward pass rather than stored. Other types (double) take the same path
// through LibTorch's own operations.
torch::Tensor causal_softmax(const torch::Tensor& scores, double scale, int64_t past, double dropout = 0.0);

}  // namespace emopiano::detail
