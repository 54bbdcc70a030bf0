// The ranks of a data-parallel run, joined through LibTorch's c10d: a
// TCPStore on rank 0 for the rendezvous and a Gloo process group for the
// collectives. The c10d and Gloo headers stay in the .cpp, so only this file
// needs them; every failure (a rank that never arrives, a peer that dies or
// hangs) becomes Error(io) naming the ranks, the address and the operation.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "emopiano/trainer.hpp"

namespace emopiano::train {

class ProcessGroup {
 public:
  // Opens (rank 0) or reaches (the others) the rendezvous store, waits for
  // every rank, then connects the Gloo mesh. Throws Error(invalid_argument)
  // on a bad config, Error(io) when a rank does not arrive in time.
  explicit ProcessGroup(const DistributedConfig& config);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int world_size() const;
  const DistributedConfig& config() const;

  // An all-reduce in flight; wait() throws Error(io) when it fails or times out.
  class Pending {
   public:
    Pending();
    ~Pending();
    Pending(Pending&&) noexcept;
    Pending& operator=(Pending&&) noexcept;
    void wait();
    bool valid() const;

   private:
    friend class ProcessGroup;
    struct State;
    std::unique_ptr<State> state_;
  };

  // Sums `tensor` (contiguous, CPU) across ranks in place, in the background.
  // Every rank must start the same operations in the same order.
  Pending allreduce_sum_async(torch::Tensor tensor, const char* what);
  // Blocking collectives, in place.
  void allreduce_sum(torch::Tensor tensor, const char* what);
  void allreduce_max(torch::Tensor tensor, const char* what);
  void broadcast(std::vector<torch::Tensor> tensors, int root, const char* what);

  // "rank 1 of 2 (rendezvous 10.0.0.1:29500)" for messages.
  std::string describe() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emopiano::train
