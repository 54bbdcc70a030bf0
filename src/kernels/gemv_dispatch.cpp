// Chooses the GEMV kernel once per process from what the CPU reports
// (CPUID, and XCR0 for the AVX-512 state, both checked by the compiler's
// runtime behind __builtin_cpu_supports).
#include <cstdlib>
#include <cstring>

#include "kernels/gemv.hpp"
#include "kernels/gemv_kernels.hpp"

namespace emopiano::kernels {

const char* gemv_isa_name(GemvIsa isa) {
  switch (isa) {
    case GemvIsa::scalar: return "scalar";
    case GemvIsa::avx2_fma: return "avx2_fma";
    case GemvIsa::avx512f: return "avx512f";
    case GemvIsa::avx512_bf16: return "avx512_bf16";
  }
  return "unknown";
}

bool gemv_isa_supported(GemvIsa isa) {
  switch (isa) {
    case GemvIsa::scalar: return true;
#ifdef EMOPIANO_X86_KERNELS
    case GemvIsa::avx2_fma: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GemvIsa::avx512f: return __builtin_cpu_supports("avx512f");
    case GemvIsa::avx512_bf16: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
#else
    default: return false;
#endif
  }
  return false;
}

namespace {

GemvIsa choose() {
  const GemvIsa order[] = {GemvIsa::avx512_bf16, GemvIsa::avx512f, GemvIsa::avx2_fma, GemvIsa::scalar};
  if (const char* wanted = std::getenv("EMOPIANO_GEMV")) {
    for (GemvIsa isa : order) {
      if (std::strcmp(wanted, gemv_isa_name(isa)) == 0 && gemv_isa_supported(isa)) return isa;
    }
  }
  for (GemvIsa isa : order) {
    if (gemv_isa_supported(isa)) return isa;
  }
  return GemvIsa::scalar;
}

detail::GemvKernel kernel(GemvIsa isa) {
  switch (isa) {
#ifdef EMOPIANO_X86_KERNELS
    case GemvIsa::avx2_fma: return detail::gemv_avx2_fma;
    case GemvIsa::avx512f: return detail::gemv_avx512f;
    case GemvIsa::avx512_bf16: return detail::gemv_avx512_bf16;
#endif
    default: return detail::gemv_scalar;
  }
}

}  // namespace

GemvIsa gemv_isa() {
  static const GemvIsa chosen = choose();
  return chosen;
}

void gemv(GemvIsa isa, const PackedMatrix& w, const float* bias, const float* x, int64_t x_stride, float* y,
          int64_t y_stride, int64_t n) {
  // An unsupported choice would fault on an illegal instruction: run the
  // portable kernel instead.
  const detail::GemvKernel k = gemv_isa_supported(isa) ? kernel(isa) : detail::gemv_scalar;
  if (n > 0) k(w, bias, x, x_stride, y, y_stride, n);
}

}  // namespace emopiano::kernels
