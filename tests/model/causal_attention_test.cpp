// detail::causal_attention in blocks of query rows: the attention and the
// gradients of q, k and v are those of the whole square at once (a
// double-precision reference with LibTorch's mask and softmax), for training
// (past 0) and for a prompt chunk after a cached prefix, T a multiple of the
// block and not, in float32 and in bf16 as under autocast; with dropout the
// blocks draw their masks from LibTorch's generator, so a seed repeats them.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "model/causal_attention.hpp"

namespace emopiano {
namespace causal_attention_blocks {
namespace {

torch::Tensor reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale,
                        int64_t past) {
  const int64_t T = q.size(-2), S = k.size(-2);
  auto mask = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool)).triu(past + 1);
  auto scores = torch::matmul(q, k.transpose(-2, -1)) * scale;
  return torch::matmul(torch::softmax(scores.masked_fill(mask, -std::numeric_limits<double>::infinity()), -1), v);
}

struct Case {
  int64_t T, past, block;
};

void check(const Case& c, torch::Dtype dtype, double tolerance) {
  SCOPED_TRACE(testing::Message() << "T " << c.T << " past " << c.past << " block " << c.block << " "
                                  << (dtype == torch::kFloat ? "float32" : "bf16"));
  const int64_t D = 16, S = c.past + c.T;
  auto q = torch::randn({2, 3, c.T, D}).to(dtype).requires_grad_();
  auto k = torch::randn({2, 3, S, D}).to(dtype).requires_grad_();
  auto v = torch::randn({2, 3, S, D}).to(dtype).requires_grad_();
  auto q_ref = q.detach().to(torch::kDouble).requires_grad_();
  auto k_ref = k.detach().to(torch::kDouble).requires_grad_();
  auto v_ref = v.detach().to(torch::kDouble).requires_grad_();
  const auto upstream = torch::randn({2, 3, c.T, D}, torch::kDouble);
  const double scale = 0.5;
  auto y = detail::causal_attention(q, k, v, scale, c.past, 0.0, c.block);
  auto y_ref = reference(q_ref, k_ref, v_ref, scale, c.past);
  ASSERT_EQ(y.sizes(), y_ref.sizes());
  ASSERT_EQ(y.scalar_type(), dtype);
  EXPECT_LT((y.to(torch::kDouble) - y_ref).abs().max().item<double>(), tolerance);
  (y.to(torch::kDouble) * upstream).sum().backward();
  (y_ref * upstream).sum().backward();
  for (auto [got, want] :
       {std::pair{q.grad(), q_ref.grad()}, std::pair{k.grad(), k_ref.grad()}, std::pair{v.grad(), v_ref.grad()}}) {
    ASSERT_TRUE(got.defined());
    const double size = want.abs().max().item<double>();
    EXPECT_LT((got.to(torch::kDouble) - want).abs().max().item<double>(), tolerance * (1 + size));
  }
}

TEST(CausalAttention, BlocksGiveTheWholeSquaresValuesAndGradients) {
  torch::manual_seed(5);
  for (const Case& c : {Case{40, 0, 8}, Case{37, 0, 8}, Case{37, 0, 64}, Case{20, 13, 6}, Case{9, 30, 0}}) {
    check(c, torch::kFloat, 1e-4);
    check(c, torch::kBFloat16, 6e-2);
  }
}

TEST(CausalAttention, AQueryDoesNotSeeLaterKeys) {
  // Changing the keys and values of the last position changes no row before it.
  torch::manual_seed(6);
  auto q = torch::randn({1, 2, 30, 8}), k = torch::randn({1, 2, 30, 8}), v = torch::randn({1, 2, 30, 8});
  auto before = detail::causal_attention(q, k, v, 0.3, 0, 0.0, 7);
  k.select(2, 29).fill_(50.0f);
  v.select(2, 29).fill_(-50.0f);
  auto after = detail::causal_attention(q, k, v, 0.3, 0, 0.0, 7);
  EXPECT_TRUE(torch::equal(before.narrow(2, 0, 29), after.narrow(2, 0, 29)));
  EXPECT_FALSE(torch::allclose(before.select(2, 29), after.select(2, 29)));
}

TEST(CausalAttention, DropoutMasksRepeatWithTheSeed) {
  auto q = torch::randn({2, 2, 50, 8}), k = torch::randn({2, 2, 50, 8}), v = torch::randn({2, 2, 50, 8});
  torch::manual_seed(11);
  auto a = detail::causal_attention(q, k, v, 0.3, 0, 0.5, 16);
  auto b = detail::causal_attention(q, k, v, 0.3, 0, 0.5, 16);
  torch::manual_seed(11);
  auto a_again = detail::causal_attention(q, k, v, 0.3, 0, 0.5, 16);
  EXPECT_TRUE(torch::equal(a, a_again));
  EXPECT_FALSE(torch::equal(a, b));
  EXPECT_FALSE(torch::allclose(a, detail::causal_attention(q, k, v, 0.3, 0, 0.0, 16)));
}

}  // namespace
}  // namespace causal_attention_blocks
}  // namespace emopiano
