#include "train/optimizer_step.hpp"

#include <cmath>
#include <unordered_set>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::train {

std::unique_ptr<torch::optim::AdamW> make_adamw(const torch::OrderedDict<std::string, torch::Tensor>& named_parameters,
                                                const torch::optim::AdamWOptions& options,
                                                const std::vector<std::string>& no_decay_names) {
  std::vector<torch::Tensor> decay, no_decay;
  std::unordered_set<const void*> seen;
  for (const auto& item : named_parameters) {
    const torch::Tensor& p = item.value();
    if (!p.requires_grad() || !seen.insert(p.unsafeGetTensorImpl()).second) continue;
    bool exempt = p.dim() < 2;
    for (const auto& name : no_decay_names) exempt = exempt || item.key().find(name) != std::string::npos;
    (exempt ? no_decay : decay).push_back(p);
  }
  auto no_decay_options = options;
  no_decay_options.weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(options));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(no_decay_options));
  return std::make_unique<torch::optim::AdamW>(std::move(groups), options);
}

void finish_step(const torch::Tensor& loss, double loss_value, const char* what, int64_t step,
                 const std::vector<torch::Tensor>& parameters, double grad_clip, torch::optim::Optimizer& optimizer,
                 const std::function<void()>& backward) {
  if (!std::isfinite(loss_value))
    throw Error(ErrorCode::internal,
                fmt::format("{} diverged at step {}: loss is {} (lower learning_rate?)", what, step, loss_value));
  if (backward)
    backward();
  else
    loss.backward();
  if (grad_clip > 0.0) torch::nn::utils::clip_grad_norm_(parameters, grad_clip);
  optimizer.step();
}

}  // namespace emopiano::train
