// The autograd function around the fused causal softmax kernels: rows are
// shared among LibTorch's threads; the backward pass needs only the
// probabilities the forward pass wrote and the dropout's seed.
#include "model/causal_softmax.hpp"

#include <ATen/Parallel.h>

#include <limits>
#include <stdexcept>

#include "kernels/causal_softmax.hpp"
#include "model/row_dropout.hpp"

namespace emopiano::detail {

namespace {

kernels::CausalRows rows_of(const torch::Tensor& t, double scale, int64_t past, double dropout, uint64_t seed) {
  kernels::CausalRows shape;
  shape.width = t.size(-1);
  shape.queries = t.size(-2);
  shape.past = past;
  shape.type = t.scalar_type() == torch::kBFloat16 ? kernels::ScoreType::bf16 : kernels::ScoreType::f32;
  shape.scale = static_cast<float>(scale);
  shape.drop = static_cast<float>(dropout);
  shape.seed = seed;
  return shape;
}

// Rows of a few KiB each: enough of them per task to pay for the hand-off.
constexpr int64_t kGrain = 16;

struct CausalSoftmax : torch::autograd::Function<CausalSoftmax> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& scores, double scale,
                               int64_t past, double dropout) {
    const auto in = scores.contiguous();
    auto out = torch::empty_like(in);
    auto dropped = dropout > 0.0 ? torch::empty_like(in) : torch::Tensor();
    const uint64_t seed = dropout > 0.0 ? draw_dropout_seed() : 0;
    const auto shape = rows_of(in, scale, past, dropout, seed);
    const void* from = in.data_ptr();
    void* to = out.data_ptr();
    void* to_dropped = dropout > 0.0 ? dropped.data_ptr() : nullptr;
    at::parallel_for(0, in.numel() / shape.width, kGrain, [&](int64_t begin, int64_t end) {
      kernels::causal_softmax_forward(shape, from, to, to_dropped, begin, end);
    });
    ctx->save_for_backward({out});
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["past"] = past;
    ctx->saved_data["dropout"] = dropout;
    ctx->saved_data["seed"] = static_cast<int64_t>(seed);
    return dropout > 0.0 ? dropped : out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto probs = ctx->get_saved_variables()[0];
    const auto grad = grads[0].to(probs.scalar_type()).contiguous();
    auto grad_in = torch::empty_like(probs);
    const auto shape =
        rows_of(probs, ctx->saved_data["scale"].toDouble(), ctx->saved_data["past"].toInt(),
                ctx->saved_data["dropout"].toDouble(), static_cast<uint64_t>(ctx->saved_data["seed"].toInt()));
    const void* p = probs.data_ptr();
    const void* g = grad.data_ptr();
    void* to = grad_in.data_ptr();
    at::parallel_for(0, probs.numel() / shape.width, kGrain, [&](int64_t begin, int64_t end) {
      kernels::causal_softmax_backward(shape, p, g, to, begin, end);
    });
    return {grad_in, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor causal_softmax(const torch::Tensor& scores, double scale, int64_t past, double dropout) {
  if (!(dropout >= 0.0 && dropout < 1.0)) throw std::invalid_argument("causal_softmax: dropout must be in [0, 1)");
  const auto type = scores.scalar_type();
  if ((type == torch::kFloat || type == torch::kBFloat16) && scores.dim() >= 2 && scores.numel() > 0)
    return CausalSoftmax::apply(scores, scale, past, dropout);
  const int64_t T = scores.size(-2), S = scores.size(-1);
  auto mask = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool)).triu(past + 1);
  auto probs = torch::softmax((scores * scale).masked_fill(mask, -std::numeric_limits<double>::infinity()), -1);
  return dropout > 0.0 ? torch::dropout(probs, dropout, true) : probs;
}

}  // namespace emopiano::detail
