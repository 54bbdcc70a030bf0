// emopiano system: what this machine gives the library, for bug reports and
// speed figures: the CPU, the kernels chosen for it, OpenBLAS's kernel (and
// what OpenBLAS chose on its own when the program corrected it), threads and
// bf16.
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/process_control.hpp"
#include "emopiano/version.hpp"
#include "kernels/bf16_cache_attention.hpp"
#include "kernels/gemv.hpp"
#include "kernels/int8_cache_attention.hpp"
#include "kernels/openblas_core.hpp"
#include "model/torch_runtime.hpp"

namespace emopiano::cli {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown";
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

const char* level_name(kernels::CpuVectorLevel level) {
  switch (level) {
    case kernels::CpuVectorLevel::avx512: return "avx512";
    case kernels::CpuVectorLevel::avx2: return "avx2";
    case kernels::CpuVectorLevel::avx: return "avx";
    case kernels::CpuVectorLevel::older: break;
  }
  return "older";
}

int run(int argc, char** argv) {
  Args args("system", "",
            "Print what this machine gives emopiano: the CPU, the kernels chosen for it, the kernel\n"
            "OpenBLAS runs (LibTorch's float32 products), threads and bf16 support.");
  args.flag("json", "print one JSON object instead of text");
  args.positionals(0, 0);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(false);
  const kernels::GemvIsa isa = kernels::gemv_isa();
  const std::string openblas = kernels::openblas_core();
  const char* better = kernels::better_openblas_coretype();
  nlohmann::json j = {
      {"version", version_string()},
      {"cpu", cpu_model()},
      {"vector_level", level_name(kernels::cpu_vector_level())},
      {"cpu_features", detail::cpu_features().describe()},
      {"gemv_kernel", kernels::gemv_isa_name(isa)},
      {"bf16_cache_attention_kernel", kernels::bf16_cache_attention_kernel_name(isa)},
      {"int8_cache_attention_kernel", kernels::int8_cache_attention_kernel_name(isa)},
      {"openblas_core", openblas},
      {"openblas_detected", env("EMOPIANO_OPENBLAS_DETECTED")},
      {"openblas_coretype_env", env("OPENBLAS_CORETYPE")},
      {"openblas_better_coretype", better ? better : ""},
      {"torch_threads", detail::torch_threads()},
      {"fast_bf16", detail::cpu_has_fast_bf16()},
      {"omp_wait_policy", env("OMP_WAIT_POLICY")},
  };
  if (args.has("json")) {
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  // The text says the same as the JSON, read from it, so the two never disagree.
  auto text = [&j](const char* key) { return j[key].get<std::string>(); };
  fmt::print("emopiano {}\n", text("version"));
  fmt::print("CPU             {} ({}; {})\n", text("cpu"), text("vector_level"), text("cpu_features"));
  fmt::print("GEMV kernel     {}\n", text("gemv_kernel"));
  fmt::print("attention       bf16 cache {}, int8 cache {}\n", text("bf16_cache_attention_kernel"),
             text("int8_cache_attention_kernel"));
  if (openblas.empty()) {
    fmt::print("OpenBLAS        not loaded\n");
  } else {
    std::string how = text("openblas_coretype_env").empty() ? "its own choice" : "OPENBLAS_CORETYPE";
    if (!text("openblas_detected").empty())
      how = fmt::format("set by emopiano; OpenBLAS chose {} on its own", text("openblas_detected"));
    fmt::print("OpenBLAS        {} ({})\n", openblas, how);
    if (better) fmt::print("                this CPU runs {}'s kernel: export OPENBLAS_CORETYPE={}\n", better, better);
  }
  fmt::print("threads         {} (LibTorch intra-op)\n", j["torch_threads"].get<int>());
  fmt::print("bf16            {}\n",
             j["fast_bf16"].get<bool>() ? "fast (AVX-512 BF16 or AMX, oneDNN)" : "not fast here");
  return 0;
}

CommandRegistrar registrar("system", "print the CPU, the kernels chosen for it and OpenBLAS's kernel", run);

}  // namespace
}  // namespace emopiano::cli
