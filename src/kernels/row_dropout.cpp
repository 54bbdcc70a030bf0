// The row dropout's portable kernel (the reference the vector one is tested
// against) and the choice between them, made once per process.
#include "kernels/row_dropout.hpp"

namespace emopiano::kernels {

namespace detail {

void dropout_rows_scalar(const DropoutRows& s, const void* in, void* out, int64_t begin, int64_t end) {
  const float kept = 1.0f / (1.0f - s.drop);
  const int32_t threshold = dropout_threshold(s.drop);
  for (int64_t r = begin; r < end; ++r) {
    const uint32_t key = dropout_row_key(s.seed, r);
    const int64_t base = r * s.width;
    for (int64_t j = 0; j < s.width; ++j) drop_one(s, in, out, base + j, dropout_keeps(threshold, key, j), kept);
  }
}

}  // namespace detail

namespace {

struct Kernel {
  detail::DropoutRowsKernel run;
  const char* name;
};

Kernel choose() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {detail::dropout_rows_avx2_fma, "avx2_fma"};
#endif
  return {detail::dropout_rows_scalar, "scalar"};
}

const Kernel& kernel() {
  static const Kernel chosen = choose();
  return chosen;
}

}  // namespace

void dropout_rows(const DropoutRows& shape, const void* in, void* out, int64_t begin, int64_t end) {
  kernel().run(shape, in, out, begin, end);
}

const char* dropout_rows_kernel_name() { return kernel().name; }

}  // namespace emopiano::kernels
