// A LibTorch random generator of the library's own, for the training ops
// that can only draw from LibTorch's default CPU generator (dropout, the
// VAE's reparameterisation noise). Training neither reseeds nor advances the
// host's generator: a host's own torch::rand draws are the same whether or
// not it trained a model in between.
#pragma once

#include <cstdint>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace emopiano::detail {

class OwnGenerator {
 public:
  explicit OwnGenerator(uint64_t seed = 0);
  void seed(uint64_t seed);
  // The whole state, for checkpoints (the format of the CPU generator).
  at::Tensor state() const;
  void set_state(const at::Tensor& state);

  // While a Lease lives (one training step), LibTorch's default CPU
  // generator continues this generator's sequence; when it ends, this
  // generator keeps the advanced state and the default generator gets the
  // host's state back. The default generator is process-wide, so a host that
  // draws from it on another thread during a step interleaves with the step.
  class Lease {
   public:
    explicit Lease(OwnGenerator& own);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    OwnGenerator& own_;
    at::Tensor host_state_;
  };

 private:
  mutable at::Generator generator_;  // mutable: its mutex guards reads too
};

}  // namespace emopiano::detail
