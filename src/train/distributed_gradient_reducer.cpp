#include "train/distributed_gradient_reducer.hpp"

#include <chrono>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::train {

GradientReducer::GradientReducer(ProcessGroup& group, std::vector<torch::Tensor> parameters, double bucket_megabytes,
                                 bool overlap)
    : group_(group), parameters_(std::move(parameters)), overlap_(overlap) {
  const int64_t bucket_bytes = std::max<int64_t>(1, static_cast<int64_t>(bucket_megabytes * 1024.0 * 1024.0));
  slots_.resize(parameters_.size());
  // Reverse order: the output layers, whose gradients come first, fill the
  // first bucket.
  std::vector<size_t> current;
  int64_t current_elements = 0;
  auto close_bucket = [&] {
    if (current.empty()) return;
    Bucket b;
    b.flat = torch::zeros({current_elements}, torch::kFloat);
    b.parameters = current;
    buckets_.push_back(std::move(b));
    current.clear();
    current_elements = 0;
  };
  for (size_t k = parameters_.size(); k-- > 0;) {
    const torch::Tensor& p = parameters_[k];
    if (p.scalar_type() != torch::kFloat)
      throw Error(ErrorCode::unsupported, "distributed training needs float32 parameters");
    slots_[k].bucket = buckets_.size();
    slots_[k].offset = current_elements;
    current.push_back(k);
    current_elements += p.numel();
    elements_ += p.numel();
    if (current_elements * static_cast<int64_t>(sizeof(float)) >= bucket_bytes) close_bucket();
  }
  close_bucket();
  for (size_t k = 0; k < parameters_.size(); ++k) {
    // The hook sees the gradient autograd has just computed for this
    // parameter (all of its uses summed), before it lands in .grad.
    hooks_.push_back(parameters_[k].register_hook([this, k](torch::Tensor grad) { on_gradient(k, grad); }));
  }
}

GradientReducer::~GradientReducer() {
  // Wait for reductions still in flight (after an error elsewhere) so Gloo
  // never writes into freed buffers; their own errors no longer matter.
  for (auto& b : buckets_) {
    try {
      b.reduction.wait();
    } catch (...) {
    }
  }
  for (size_t k = 0; k < hooks_.size(); ++k) parameters_[k].remove_hook(hooks_[k]);
}

void GradientReducer::prepare() {
  for (auto& s : slots_) s.ready = false;
  for (auto& b : buckets_) {
    b.pending = b.parameters.size();
    b.started = false;
  }
  next_bucket_ = 0;
  armed_ = true;
}

void GradientReducer::on_gradient(size_t index, const torch::Tensor& grad) {
  if (!armed_ || !grad.defined()) return;
  Slot& s = slots_[index];
  Bucket& b = buckets_[s.bucket];
  if (s.ready || b.started) return;  // a second backward pass in one step: the first one counts
  b.flat.narrow(0, s.offset, grad.numel()).copy_(grad.reshape({-1}));
  s.ready = true;
  if (--b.pending == 0 && overlap_) start_ready_buckets();
}

void GradientReducer::start_ready_buckets() {
  while (next_bucket_ < buckets_.size() && buckets_[next_bucket_].pending == 0) start(buckets_[next_bucket_++]);
}

void GradientReducer::start(Bucket& b) {
  b.started = true;
  b.reduction = group_.allreduce_sum_async(b.flat, "the all-reduce of the gradients");
}

void GradientReducer::finish() {
  if (!armed_) throw Error(ErrorCode::internal, "GradientReducer::finish without prepare");
  armed_ = false;
  // Parameters that took no part in this backward pass contribute zeros, so
  // every rank starts the same buckets.
  for (size_t k = 0; k < parameters_.size(); ++k) {
    Slot& s = slots_[k];
    Bucket& b = buckets_[s.bucket];
    if (!s.ready && !b.started) {
      b.flat.narrow(0, s.offset, parameters_[k].numel()).zero_();
      s.ready = true;
      --b.pending;
    }
  }
  const auto started = std::chrono::steady_clock::now();
  while (next_bucket_ < buckets_.size()) start(buckets_[next_bucket_++]);
  for (auto& b : buckets_) b.reduction.wait();
  last_wait_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  torch::NoGradGuard no_grad;
  for (size_t k = 0; k < parameters_.size(); ++k) {
    torch::Tensor& p = parameters_[k];
    const Slot& s = slots_[k];
    auto sum = buckets_[s.bucket].flat.narrow(0, s.offset, p.numel()).view(p.sizes());
    if (p.grad().defined())
      p.mutable_grad().copy_(sum);
    else
      p.mutable_grad() = sum.clone();
  }
}

}  // namespace emopiano::train
