// The AdamW builder and the end of a step that the three trainers share.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "emopiano/error.hpp"
#include "train/optimizer_step.hpp"

namespace emopiano {
namespace {

struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl() {
    embedding = register_module("embedding", torch::nn::Embedding(10, 4));
    linear = register_module("linear", torch::nn::Linear(4, 3));
  }
  torch::nn::Embedding embedding{nullptr};
  torch::nn::Linear linear{nullptr};
};
TORCH_MODULE(TinyNet);

TEST(OptimizerStep, AdamWDecaysMatricesButNotVectorsOrEmbeddings) {
  TinyNet net;
  auto adamw =
      train::make_adamw(net->named_parameters(true), torch::optim::AdamWOptions(1e-3).weight_decay(0.1), {"embedding"});
  const auto& groups = adamw->param_groups();
  ASSERT_EQ(groups.size(), 2u);
  ASSERT_EQ(groups[0].params().size(), 1u);  // linear.weight only
  EXPECT_TRUE(groups[0].params()[0].is_same(net->linear->weight));
  EXPECT_DOUBLE_EQ(static_cast<const torch::optim::AdamWOptions&>(groups[0].options()).weight_decay(), 0.1);
  EXPECT_EQ(groups[1].params().size(), 2u);  // linear.bias, embedding.weight
  EXPECT_DOUBLE_EQ(static_cast<const torch::optim::AdamWOptions&>(groups[1].options()).weight_decay(), 0.0);
}

TEST(OptimizerStep, StepsOnAFiniteLossAndRefusesAnotherNamingTheStep) {
  TinyNet net;
  auto adamw = train::make_adamw(net->named_parameters(true), torch::optim::AdamWOptions(0.1), {});
  const auto before = net->linear->weight.detach().clone();
  auto loss = net->linear(net->embedding(torch::tensor({1, 2}))).pow(2).sum();
  train::finish_step(loss, loss.item<double>(), "training", 3, net->parameters(), 1.0, *adamw);
  EXPECT_FALSE(torch::equal(before, net->linear->weight));

  adamw->zero_grad();
  const auto now = net->linear->weight.detach().clone();
  auto nan_loss = net->linear(net->embedding(torch::tensor({1}))).sum() * std::nan("");
  try {
    train::finish_step(nan_loss, nan_loss.item<double>(), "VAE training", 7, net->parameters(), 1.0, *adamw);
    FAIL() << "expected Error(internal)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::internal);
    EXPECT_NE(std::string(e.what()).find("VAE training diverged at step 7"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(torch::equal(now, net->linear->weight));  // no step was taken
}

}  // namespace
}  // namespace emopiano
