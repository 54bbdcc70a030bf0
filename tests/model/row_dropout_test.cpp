// detail::row_dropout as an autograd operation and the RowDropout module the
// networks use: in training each value is zeroed or scaled by 1 / (1 - p),
// the gradient goes through the same mask, bf16 stays bf16 (as under
// autocast), the mask comes from LibTorch's generator (the same seed gives
// the same mask, whatever the number of threads), and outside training the
// input comes back untouched.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <stdexcept>

#include "model/row_dropout.hpp"

namespace emopiano {
namespace row_dropout_autograd {
namespace {

TEST(RowDropoutAutograd, ZeroesOrScalesAndTheGradientFollowsTheMask) {
  torch::manual_seed(1);
  auto x = (torch::rand({4, 9, 33}) + 0.5).requires_grad_(true);
  const double p = 0.25;
  auto y = detail::row_dropout(x, p, true);
  const auto kept = y.ne(0);
  EXPECT_TRUE(torch::allclose(y.masked_select(kept), x.detach().masked_select(kept) / (1 - p)));
  const double share = 1.0 - kept.to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(share, p, 0.04);
  auto g = torch::randn_like(y);
  y.backward(g);
  EXPECT_TRUE(torch::allclose(x.grad(), g * kept.to(torch::kFloat) / (1 - p)));
}

TEST(RowDropoutAutograd, Bf16StaysBf16AndAgreesWithFloat32) {
  torch::manual_seed(2);
  auto x = torch::randn({3, 16, 24}).to(torch::kBFloat16).requires_grad_(true);
  torch::manual_seed(5);
  auto y = detail::row_dropout(x, 0.1, true);
  EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
  torch::manual_seed(5);
  auto y32 = detail::row_dropout(x.detach().to(torch::kFloat), 0.1, true);
  EXPECT_TRUE(torch::allclose(y.to(torch::kFloat), y32, 1e-2, 1e-2));
  y.sum().backward();
  EXPECT_EQ(x.grad().scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(x.grad().ne(0), y32.ne(0)));
}

TEST(RowDropoutAutograd, TheMaskComesFromLibTorchsGeneratorWhateverTheThreads) {
  const auto x = torch::rand({64, 300}) + 0.5;
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  torch::manual_seed(9);
  const auto one = detail::row_dropout(x, 0.5, true);
  const auto next = detail::row_dropout(x, 0.5, true);
  torch::set_num_threads(2);
  torch::manual_seed(9);
  const auto two = detail::row_dropout(x, 0.5, true);
  torch::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one, two));
  EXPECT_FALSE(torch::equal(one, next));
}

TEST(RowDropoutAutograd, OutsideTrainingAndOtherTypes) {
  const auto x = torch::rand({5, 7});
  EXPECT_TRUE(detail::row_dropout(x, 0.5, false).is_same(x));
  EXPECT_TRUE(detail::row_dropout(x, 0.0, true).is_same(x));
  EXPECT_THROW(detail::row_dropout(x, 1.0, true), std::invalid_argument);
  EXPECT_THROW(detail::row_dropout(x, -0.1, true), std::invalid_argument);
  const auto d = detail::row_dropout(x.to(torch::kDouble) + 0.5, 0.5, true);  // LibTorch's path
  EXPECT_EQ(d.scalar_type(), torch::kDouble);
  EXPECT_GT(d.eq(0).sum().item<int64_t>(), 0);

  detail::RowDropout module(0.5);
  module->eval();
  EXPECT_TRUE(module(x).is_same(x));
  module->train();
  EXPECT_GT(module(x + 0.5).eq(0).sum().item<int64_t>(), 0);
  EXPECT_THROW(detail::RowDropout(1.5), std::invalid_argument);
}

}  // namespace
}  // namespace row_dropout_autograd
}  // namespace emopiano
