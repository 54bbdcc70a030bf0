// Which kernel OpenBLAS runs, and a better one when its own detection fell
// short. LibTorch sends its float32 matrix products to OpenBLAS (Debian's
// libopenblas0-openmp), which picks a kernel once, when it is loaded. It
// does not know every CPU: under a hypervisor that reports a generic model,
// OpenBLAS 0.3.21 falls back to Prescott's SSE3 kernel on a CPU with
// AVX-512. OPENBLAS_CORETYPE overrides the choice, but only at load time, so
// the program restarts itself with it set (cli/process_control.hpp); a host
// application sets it before loading the library.
#pragma once

#include <string>
#include <string_view>

namespace emopiano::kernels {

// The vector instructions a CPU has, as far as OpenBLAS's kernels go.
enum class CpuVectorLevel { older, avx, avx2, avx512 };

CpuVectorLevel cpu_vector_level();

// The name of the kernel OpenBLAS chose ("Prescott", "SkylakeX"), or "" when
// no OpenBLAS is loaded in this process.
std::string openblas_core();

// The OPENBLAS_CORETYPE for a CPU of `cpu` level when OpenBLAS chose `core`,
// a kernel for fewer instructions than the CPU has: "SkylakeX" on AVX-512,
// "Haswell" on AVX2. nullptr when the choice is as good, or when `core` is
// empty or a name this table does not know (a newer OpenBLAS knows best).
const char* better_openblas_coretype(std::string_view core, CpuVectorLevel cpu);

// The same for this CPU and the OpenBLAS loaded here.
const char* better_openblas_coretype();

}  // namespace emopiano::kernels
