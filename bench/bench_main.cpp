// The benchmarks' main: Google Benchmark's, plus the load of the machine and
// the BLAS settings in the context block, because this machine is shared and
// its figures depend on both.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_support.hpp"
#include "kernels/openblas_core.hpp"

int main(int argc, char** argv) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "(unset)");
  };
  benchmark::AddCustomContext("load_average_at_start", emopiano::bench::load_average());
  benchmark::AddCustomContext("OPENBLAS_CORETYPE", env("OPENBLAS_CORETYPE"));
  // The kernel OpenBLAS runs: its own choice can be far below the CPU (docs/performance.md).
  const std::string core = emopiano::kernels::openblas_core();
  benchmark::AddCustomContext("openblas_core", core.empty() ? "(not loaded)" : core);
  benchmark::AddCustomContext("OMP_WAIT_POLICY", env("OMP_WAIT_POLICY"));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::fprintf(stderr, "load average at the end: %s\n", emopiano::bench::load_average().c_str());
  return 0;
}
