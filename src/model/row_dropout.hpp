// Dropout as one autograd operation over LibTorch's threads, with a mask
// hashed from a seed rather than drawn value by value
// (kernels/row_dropout.hpp), and the module the networks use in place of
// torch::nn::Dropout. Seeds come from LibTorch's default generator, so a
// checkpoint's generator state resumes a run exactly, and the mask does not
// depend on the number of threads.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace emopiano::detail {

// One draw from LibTorch's default generator, as its own dropout would make.
uint64_t draw_dropout_seed();

// x with each value zeroed with probability p and the rest scaled by
// 1 / (1 - p) when training; x itself otherwise. float32 and bfloat16 take
// the hashed mask; other types (double) LibTorch's dropout.
torch::Tensor row_dropout(const torch::Tensor& x, double p, bool training);

class RowDropoutImpl : public torch::nn::Cloneable<RowDropoutImpl> {
 public:
  explicit RowDropoutImpl(double p = 0.5);
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

  double p;
};
TORCH_MODULE(RowDropout);

}  // namespace emopiano::detail
