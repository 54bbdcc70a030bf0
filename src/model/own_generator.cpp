#include "model/own_generator.hpp"

#include <mutex>

#include <ATen/CPUGeneratorImpl.h>

namespace emopiano::detail {

OwnGenerator::OwnGenerator(uint64_t seed) : generator_(at::detail::createCPUGenerator(seed)) {}

void OwnGenerator::seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(generator_.mutex());
  generator_.set_current_seed(seed);
}

at::Tensor OwnGenerator::state() const {
  std::lock_guard<std::mutex> lock(generator_.mutex());
  return generator_.get_state();
}

void OwnGenerator::set_state(const at::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator_.mutex());
  generator_.set_state(state);
}

OwnGenerator::Lease::Lease(OwnGenerator& own) : own_(own) {
  auto host = at::detail::getDefaultCPUGenerator();
  const at::Tensor ours = own_.state();
  std::lock_guard<std::mutex> lock(host.mutex());
  host_state_ = host.get_state();
  host.set_state(ours);
}

OwnGenerator::Lease::~Lease() {
  auto host = at::detail::getDefaultCPUGenerator();
  at::Tensor advanced;
  {
    std::lock_guard<std::mutex> lock(host.mutex());
    advanced = host.get_state();
    host.set_state(host_state_);
  }
  own_.set_state(advanced);
}

}  // namespace emopiano::detail
