#include "kernels/openblas_core.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

namespace emopiano::kernels {

namespace {

// OpenBLAS 0.3.21's kernel names (DYNAMIC_ARCH) by the instructions they use;
// nothing for a name it does not have.
std::optional<CpuVectorLevel> level_of(const std::string& lower) {
  static const std::pair<const char*, CpuVectorLevel> kCores[] = {
      {"skylakex", CpuVectorLevel::avx512},
      {"cooperlake", CpuVectorLevel::avx512},
      {"sapphirerapids", CpuVectorLevel::avx512},
      {"haswell", CpuVectorLevel::avx2},
      {"zen", CpuVectorLevel::avx2},
      {"sandybridge", CpuVectorLevel::avx},
      {"bulldozer", CpuVectorLevel::avx},
      {"piledriver", CpuVectorLevel::avx},
      {"steamroller", CpuVectorLevel::avx},
      {"excavator", CpuVectorLevel::avx},
      {"prescott", CpuVectorLevel::older},
      {"core2", CpuVectorLevel::older},
      {"penryn", CpuVectorLevel::older},
      {"dunnington", CpuVectorLevel::older},
      {"nehalem", CpuVectorLevel::older},
      {"atom", CpuVectorLevel::older},
      {"katmai", CpuVectorLevel::older},
      {"coppermine", CpuVectorLevel::older},
      {"northwood", CpuVectorLevel::older},
      {"banias", CpuVectorLevel::older},
      {"athlon", CpuVectorLevel::older},
      {"opteron", CpuVectorLevel::older},
      {"opteron_sse3", CpuVectorLevel::older},
      {"barcelona", CpuVectorLevel::older},
      {"bobcat", CpuVectorLevel::older},
      {"nano", CpuVectorLevel::older},
  };
  for (const auto& [name, level] : kCores)
    if (lower == name) return level;
  return std::nullopt;
}

}  // namespace

CpuVectorLevel cpu_vector_level() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512cd"))
    return CpuVectorLevel::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CpuVectorLevel::avx2;
  if (__builtin_cpu_supports("avx")) return CpuVectorLevel::avx;
#endif
  return CpuVectorLevel::older;
}

std::string openblas_core() {
  // Looked up, not linked: the library does not depend on which BLAS
  // LibTorch was built against.
  using CoreName = char* (*)();
  auto fn = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* name = fn ? fn() : nullptr;
  return name ? std::string(name) : std::string();
}

const char* better_openblas_coretype(std::string_view core, CpuVectorLevel cpu) {
  std::string lower(core);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::optional<CpuVectorLevel> chosen = level_of(lower);
  if (!chosen || *chosen >= cpu) return nullptr;
  if (cpu == CpuVectorLevel::avx512) return "SkylakeX";
  if (cpu == CpuVectorLevel::avx2) return "Haswell";
  return nullptr;  // an AVX-only CPU: Sandybridge's kernel is OpenBLAS's own choice to make
}

const char* better_openblas_coretype() { return better_openblas_coretype(openblas_core(), cpu_vector_level()); }

}  // namespace emopiano::kernels
