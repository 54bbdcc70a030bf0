// The autograd operation around the row dropout kernels: the forward pass
// draws a seed, the backward pass applies the same mask to the gradient.
#include "model/row_dropout.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <mutex>
#include <stdexcept>

#include "kernels/row_dropout.hpp"

namespace emopiano::detail {

uint64_t draw_dropout_seed() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(generator)->random64();
}

namespace {

// Rows of a few hundred values: enough of them per task to pay for the hand-off.
constexpr int64_t kGrain = 64;

torch::Tensor apply_mask(const torch::Tensor& x, double p, uint64_t seed) {
  const auto in = x.contiguous();
  auto out = torch::empty_like(in);
  kernels::DropoutRows shape;
  shape.width = in.size(-1);
  shape.type = in.scalar_type() == torch::kBFloat16 ? kernels::ScoreType::bf16 : kernels::ScoreType::f32;
  shape.drop = static_cast<float>(p);
  shape.seed = seed;
  const void* from = in.data_ptr();
  void* to = out.data_ptr();
  at::parallel_for(0, in.numel() / shape.width, kGrain,
                   [&](int64_t begin, int64_t end) { kernels::dropout_rows(shape, from, to, begin, end); });
  return out;
}

struct RowDropoutFunction : torch::autograd::Function<RowDropoutFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, double p) {
    const uint64_t seed = draw_dropout_seed();
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = static_cast<int64_t>(seed);
    return apply_mask(x, p, seed);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto grad = grads[0];
    if (grad.scalar_type() != torch::kFloat && grad.scalar_type() != torch::kBFloat16) grad = grad.to(torch::kFloat);
    return {apply_mask(grad, ctx->saved_data["p"].toDouble(), static_cast<uint64_t>(ctx->saved_data["seed"].toInt())),
            torch::Tensor()};
  }
};

}  // namespace

torch::Tensor row_dropout(const torch::Tensor& x, double p, bool training) {
  if (!(p >= 0.0 && p < 1.0)) throw std::invalid_argument("dropout: p must be in [0, 1)");
  if (!training || p == 0.0) return x;
  const auto type = x.scalar_type();
  if ((type == torch::kFloat || type == torch::kBFloat16) && x.dim() >= 1 && x.numel() > 0)
    return RowDropoutFunction::apply(x, p);
  return torch::dropout(x, p, true);
}

RowDropoutImpl::RowDropoutImpl(double p) : p(p) {
  if (!(p >= 0.0 && p < 1.0)) throw std::invalid_argument("dropout: p must be in [0, 1)");
}

torch::Tensor RowDropoutImpl::forward(const torch::Tensor& x) { return row_dropout(x, p, is_training()); }

void RowDropoutImpl::pretty_print(std::ostream& stream) const { stream << "emopiano::RowDropout(p=" << p << ")"; }

}  // namespace emopiano::detail
