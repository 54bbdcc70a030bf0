// Chooses the causal softmax kernel once per process: AVX2 + FMA where the
// CPU has them (every x86-64 CPU we run on), else the portable loops.
#include "kernels/causal_softmax.hpp"

namespace emopiano::kernels {

namespace {

struct Kernels {
  detail::CausalSoftmaxForward forward;
  detail::CausalSoftmaxBackward backward;
  const char* name;
};

Kernels choose() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {detail::causal_softmax_forward_avx2_fma, detail::causal_softmax_backward_avx2_fma, "avx2_fma"};
#endif
  return {detail::causal_softmax_forward_scalar, detail::causal_softmax_backward_scalar, "scalar"};
}

const Kernels& kernels() {
  static const Kernels chosen = choose();
  return chosen;
}

}  // namespace

void causal_softmax_forward(const CausalRows& shape, const void* in, void* out, void* dropped, int64_t begin,
                            int64_t end) {
  kernels().forward(shape, in, out, dropped, begin, end);
}

void causal_softmax_backward(const CausalRows& shape, const void* probs, const void* grad, void* grad_in, int64_t begin,
                             int64_t end) {
  kernels().backward(shape, probs, grad, grad_in, begin, end);
}

const char* causal_softmax_kernel_name() { return kernels().name; }

}  // namespace emopiano::kernels
