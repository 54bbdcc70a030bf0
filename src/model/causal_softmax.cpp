// The autograd function around the fused causal softmax kernels: rows are
// shared among LibTorch's threads; the backward pass needs only the
// probabilities the forward pass wrote.
#include "model/causal_softmax.hpp"

#include <ATen/Parallel.h>

#include <limits>

#include "kernels/causal_softmax.hpp"

namespace emopiano::detail {

namespace {

kernels::CausalRows rows_of(const torch::Tensor& t, double scale, int64_t past) {
  kernels::CausalRows shape;
  shape.width = t.size(-1);
  shape.queries = t.size(-2);
  shape.past = past;
  shape.type = t.scalar_type() == torch::kBFloat16 ? kernels::ScoreType::bf16 : kernels::ScoreType::f32;
  shape.scale = static_cast<float>(scale);
  return shape;
}

// Rows of a few KiB each: enough of them per task to pay for the hand-off.
constexpr int64_t kGrain = 16;

struct CausalSoftmax : torch::autograd::Function<CausalSoftmax> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& scores, double scale,
                               int64_t past) {
    const auto in = scores.contiguous();
    auto out = torch::empty_like(in);
    const auto shape = rows_of(in, scale, past);
    const void* from = in.data_ptr();
    void* to = out.data_ptr();
    at::parallel_for(0, in.numel() / shape.width, kGrain,
                     [&](int64_t begin, int64_t end) { kernels::causal_softmax_forward(shape, from, to, begin, end); });
    ctx->save_for_backward({out});
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["past"] = past;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto probs = ctx->get_saved_variables()[0];
    const auto grad = grads[0].to(probs.scalar_type()).contiguous();
    auto grad_in = torch::empty_like(probs);
    const auto shape = rows_of(probs, ctx->saved_data["scale"].toDouble(), ctx->saved_data["past"].toInt());
    const void* p = probs.data_ptr();
    const void* g = grad.data_ptr();
    void* to = grad_in.data_ptr();
    at::parallel_for(0, probs.numel() / shape.width, kGrain, [&](int64_t begin, int64_t end) {
      kernels::causal_softmax_backward(shape, p, g, to, begin, end);
    });
    return {grad_in, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor causal_softmax(const torch::Tensor& scores, double scale, int64_t past) {
  const auto type = scores.scalar_type();
  if ((type == torch::kFloat || type == torch::kBFloat16) && scores.dim() >= 2 && scores.numel() > 0)
    return CausalSoftmax::apply(scores, scale, past);
  const int64_t T = scores.size(-2), S = scores.size(-1);
  auto mask = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool)).triu(past + 1);
  return torch::softmax((scores * scale).masked_fill(mask, -std::numeric_limits<double>::infinity()), -1);
}

}  // namespace emopiano::detail
