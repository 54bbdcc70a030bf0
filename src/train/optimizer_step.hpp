// What the three trainers (generator, classifier, VAE) share about the
// optimizer: how AdamW is built, and how a step ends.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace emopiano::train {

// AdamW in two groups: weight decay on matrices, none on vectors (biases,
// LayerNorm gains) nor on the parameters whose name contains one of
// `no_decay_names` (embedding tables, whose rows are looked up, not
// multiplied), as in GPT-2 training recipes. Parameters that need no
// gradient or appear twice (tied weights) are left out.
std::unique_ptr<torch::optim::AdamW> make_adamw(const torch::OrderedDict<std::string, torch::Tensor>& named_parameters,
                                                const torch::optim::AdamWOptions& options,
                                                const std::vector<std::string>& no_decay_names);

// The end of a training step: refuses a non-finite loss (Error(internal)
// naming `what` and the step), backpropagates (through `backward` when given,
// e.g. the distributed gradient all-reduce around loss.backward()), clips the
// gradient norm (grad_clip > 0) and steps the optimizer.
void finish_step(const torch::Tensor& loss, double loss_value, const char* what, int64_t step,
                 const std::vector<torch::Tensor>& parameters, double grad_clip, torch::optim::Optimizer& optimizer,
                 const std::function<void()>& backward = nullptr);

}  // namespace emopiano::train
