// detail::causal_softmax as an autograd operation: its probabilities and the
// gradient it passes back agree with LibTorch's own scale, mask and softmax,
// in float32 and bf16 (as under autocast), for training (past 0) and for a
// prompt chunk after a cached prefix; other types take LibTorch's path. With
// dropout: the values it keeps are the probabilities scaled by 1 / (1 - p),
// the gradient is the one through that mask, and the mask comes from
// LibTorch's generator (the same seed gives the same mask; the next call
// another).
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

TEST(CausalSoftmax, DropoutScalesWhatItKeepsAndTheGradientFollowsItsMask) {
  for (const auto type : {torch::kFloat, torch::kBFloat16}) {
    torch::manual_seed(5);
    auto x = (torch::randn({2, 3, 40, 40}) * 2).to(type).requires_grad_();
    auto x_ref = x.detach().to(torch::kDouble).requires_grad_();
    const auto upstream = torch::randn({2, 3, 40, 40});
    auto y = detail::causal_softmax(x, 0.125, 0, 0.2);
    ASSERT_EQ(y.scalar_type(), type);
    const auto p = detail::causal_softmax(x.detach(), 0.125, 0).to(torch::kDouble);
    const auto visible = torch::ones({40, 40}, torch::kBool).tril().expand_as(p);
    const auto kept = y.detach().ne(0);
    const double share = kept.logical_and(visible).sum().item<double>() / visible.sum().item<double>();
    EXPECT_NEAR(share, 0.8, 0.03);
    EXPECT_FALSE(kept.logical_and(visible.logical_not()).any().item<bool>());
    const double tolerance = type == torch::kFloat ? 1e-6 : 1.0 / 64;
    EXPECT_LT((y.detach().to(torch::kDouble) - p * kept / 0.8).abs().max().item<double>(), tolerance);
    (y.to(torch::kFloat) * upstream).sum().backward();
    (reference(x_ref, 0.125, 0) * kept / 0.8 * upstream.to(torch::kDouble)).sum().backward();
    const double largest = x_ref.grad().abs().max().item<double>();
    EXPECT_LT((x.grad().to(torch::kDouble) - x_ref.grad()).abs().max().item<double>(),
              type == torch::kFloat ? 1e-6 : 0.02 * largest);
  }
}

TEST(CausalSoftmax, TheDropoutMaskComesFromLibTorchsGenerator) {
  const auto x = torch::randn({1, 2, 30, 30});
  torch::manual_seed(11);
  const auto first = detail::causal_softmax(x, 0.125, 0, 0.3);
  const auto next = detail::causal_softmax(x, 0.125, 0, 0.3);
  torch::manual_seed(11);
  const auto again = detail::causal_softmax(x, 0.125, 0, 0.3);
  EXPECT_TRUE(torch::equal(first, again));
  EXPECT_FALSE(torch::equal(first, next));
  EXPECT_THROW(detail::causal_softmax(x, 0.125, 0, 1.0), std::invalid_argument);
  EXPECT_THROW(detail::causal_softmax(x, 0.125, 0, -0.1), std::invalid_argument);
}

}  // namespace
}  // namespace causal_softmax_autograd
}  // namespace emopiano
