// Sums the gradients of a model across the ranks of a ProcessGroup, the way
// PyTorch's DistributedDataParallel does: parameters are packed, in reverse
// order (the backward pass produces the last layers' gradients first), into
// flat buckets of about bucket_megabytes; a hook on every parameter copies its
// gradient into its bucket as soon as autograd has computed it, and a full
// bucket starts its all-reduce at once, so communication overlaps the rest of
// the backward pass. Buckets are started strictly in bucket order on every
// rank (Gloo pairs collectives by their order), and finish() writes the sums
// back into the parameters' .grad.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "train/distributed_process_group.hpp"

namespace emopiano::train {

class GradientReducer {
 public:
  // `parameters`: the trainable tensors, in the same order on every rank.
  // overlap = false starts every all-reduce only after the backward pass (to
  // measure what the overlap saves).
  GradientReducer(ProcessGroup& group, std::vector<torch::Tensor> parameters, double bucket_megabytes, bool overlap);
  ~GradientReducer();  // removes the hooks
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before loss.backward(): arms the hooks for one backward pass.
  void prepare();
  // After loss.backward(): starts the buckets not started yet (parameters
  // without a gradient contribute zeros), waits for all, and sets every
  // parameter's .grad to the sum over ranks. Throws Error(io) when a peer fails.
  void finish();

  size_t bucket_count() const { return buckets_.size(); }
  int64_t element_count() const { return elements_; }
  // Seconds finish() spent waiting for all-reduces in the last step: the part
  // of the communication the backward pass did not hide.
  double last_wait_seconds() const { return last_wait_seconds_; }

 private:
  struct Slot {
    size_t bucket = 0;
    int64_t offset = 0;  // in the bucket's flat buffer
    bool ready = false;
  };
  struct Bucket {
    torch::Tensor flat;
    std::vector<size_t> parameters;
    size_t pending = 0;  // parameters whose gradient has not arrived this step
    ProcessGroup::Pending reduction;
    bool started = false;
  };

  void on_gradient(size_t index, const torch::Tensor& grad);
  void start_ready_buckets();
  void start(Bucket& b);

  ProcessGroup& group_;
  std::vector<torch::Tensor> parameters_;
  std::vector<unsigned> hooks_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  size_t next_bucket_ = 0;  // buckets start in this order on every rank
  bool armed_ = false;
  bool overlap_ = true;
  int64_t elements_ = 0;
  double last_wait_seconds_ = 0.0;
};

}  // namespace emopiano::train
