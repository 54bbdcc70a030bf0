// detail::causal_softmax as an autograd operation: its probabilities and the
// gradient it passes back agree with LibTorch's own scale, mask and softmax,
// in float32 and bf16 (as under autocast), for training (past 0) and for a
// prompt chunk after a cached prefix; other types take LibTorch's path.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <limits>

#include "model/causal_softmax.hpp"

namespace emopiano {
namespace causal_softmax_autograd {
namespace {

torch::Tensor reference(const torch::Tensor& scores, double scale, int64_t past) {
  const int64_t T = scores.size(-2), S = scores.size(-1);
  auto mask = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool)).triu(past + 1);
  return torch::softmax((scores.to(torch::kDouble) * scale).masked_fill(mask, -std::numeric_limits<double>::infinity()),
                        -1);
}

struct Shape {
  int64_t T, S, past;
};

TEST(CausalSoftmax, ProbabilitiesAndGradientsMatchLibTorchInFloat32) {
  torch::manual_seed(3);
  for (const Shape& sh : {Shape{33, 33, 0}, Shape{7, 40, 33}, Shape{1, 12, 11}}) {
    auto x = (torch::randn({2, 3, sh.T, sh.S}) * 6).requires_grad_();
    auto x_ref = x.detach().to(torch::kDouble).requires_grad_();
    const auto upstream = torch::randn({2, 3, sh.T, sh.S});
    auto p = detail::causal_softmax(x, 0.125, sh.past);
    auto p_ref = reference(x_ref, 0.125, sh.past);
    ASSERT_EQ(p.scalar_type(), torch::kFloat);
    EXPECT_LT((p.to(torch::kDouble) - p_ref).abs().max().item<double>(), 1e-6) << sh.T << "x" << sh.S;
    (p * upstream).sum().backward();
    (p_ref * upstream.to(torch::kDouble)).sum().backward();
    EXPECT_LT((x.grad().to(torch::kDouble) - x_ref.grad()).abs().max().item<double>(), 1e-6) << sh.T << "x" << sh.S;
    // What a query may not see: probability 0, gradient 0.
    const auto hidden = torch::ones({sh.T, sh.S}, torch::kBool).triu(sh.past + 1);
    if (hidden.any().item<bool>()) {
      EXPECT_EQ(p.detach().masked_select(hidden.expand_as(p)).abs().max().item<float>(), 0.0f);
      EXPECT_EQ(x.grad().masked_select(hidden.expand_as(p)).abs().max().item<float>(), 0.0f);
    }
  }
}

TEST(CausalSoftmax, Bf16ScoresGiveBf16ProbabilitiesWithinItsRounding) {
  torch::manual_seed(4);
  auto x = (torch::randn({4, 2, 24, 24}) * 6).to(torch::kBFloat16).requires_grad_();
  auto x_ref = x.detach().to(torch::kDouble).requires_grad_();
  const auto upstream = torch::randn({4, 2, 24, 24}).to(torch::kBFloat16);
  auto p = detail::causal_softmax(x, 0.125, 0);
  ASSERT_EQ(p.scalar_type(), torch::kBFloat16);
  auto p_ref = reference(x_ref, 0.125, 0);
  EXPECT_LT((p.to(torch::kDouble) - p_ref).abs().max().item<double>(), 1.0 / 256);
  (p.to(torch::kFloat) * upstream.to(torch::kFloat)).sum().backward();
  (p_ref * upstream.to(torch::kDouble)).sum().backward();
  ASSERT_EQ(x.grad().scalar_type(), torch::kBFloat16);
  const double largest = x_ref.grad().abs().max().item<double>();
  EXPECT_LT((x.grad().to(torch::kDouble) - x_ref.grad()).abs().max().item<double>(), 0.02 * largest);
}

TEST(CausalSoftmax, DoubleScoresTakeLibTorchsPath) {
  auto x = torch::randn({1, 1, 5, 5}, torch::kDouble).requires_grad_();
  auto p = detail::causal_softmax(x, 0.5, 0);
  ASSERT_EQ(p.scalar_type(), torch::kDouble);
  EXPECT_TRUE(torch::allclose(p, reference(x.detach(), 0.5, 0)));
  p.sum().backward();  // rows of probabilities sum to 1: no gradient through their total
  EXPECT_LT(x.grad().abs().max().item<double>(), 1e-12);
}

}  // namespace
}  // namespace causal_softmax_autograd
}  // namespace emopiano
