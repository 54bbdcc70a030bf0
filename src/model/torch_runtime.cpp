#include "model/torch_runtime.hpp"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <thread>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <fmt/core.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace emopiano::detail {

namespace {

std::mutex g_threads_mutex;
std::once_flag g_interop_once;

#if defined(__x86_64__) || defined(__i386__)
uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  // xgetbv with ecx = 0; only valid when OSXSAVE is set (checked by the caller).
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1u;
  uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  // Bits 5..7: opmask, ZMM_Hi256, Hi16_ZMM (plus SSE/AVX state in bits 1..2).
  f.os_saves_avx512 = (xcr0 & 0xE6u) == 0xE6u;
  // Bits 17..18: XTILECFG, XTILEDATA.
  f.os_saves_amx = (xcr0 & (3ull << 17)) == (3ull << 17);
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  f.avx512f = (b >> 16) & 1u;
  f.amx_bf16 = (d >> 22) & 1u;
  const unsigned max_subleaf = a;
  if (max_subleaf >= 1) {
    __cpuid_count(7, 1, a, b, c, d);
    f.avx512_bf16 = (a >> 5) & 1u;
  }
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

}  // namespace

void init_torch_threads(int threads) {
  std::lock_guard<std::mutex> lock(g_threads_mutex);
  int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::call_once(g_interop_once, [] {
    // Throws when parallel work has already run; then the existing pool stays.
    try {
      at::set_num_interop_threads(1);
    } catch (const std::exception&) {
    }
  });
  if (at::get_num_threads() != n) at::set_num_threads(n);
}

int torch_threads() { return at::get_num_threads(); }

ScopedTorchThreads::ScopedTorchThreads(int threads) {
  if (threads <= 0) return;
  std::lock_guard<std::mutex> lock(g_threads_mutex);
  previous_ = at::get_num_threads();
  if (previous_ != threads) at::set_num_threads(threads);
}

ScopedTorchThreads::~ScopedTorchThreads() {
  if (previous_ <= 0) return;
  std::lock_guard<std::mutex> lock(g_threads_mutex);
  if (at::get_num_threads() != previous_) at::set_num_threads(previous_);
}

std::string CpuFeatures::describe() const {
  auto yn = [](bool v) { return v ? "yes" : "no"; };
  return fmt::format("avx512f={} avx512_bf16={} amx_bf16={} os_avx512={} os_amx={} onednn={}", yn(avx512f),
                     yn(avx512_bf16), yn(amx_bf16), yn(os_saves_avx512), yn(os_saves_amx), yn(onednn));
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = [] {
    CpuFeatures f = detect();
    f.onednn = at::hasMKLDNN();
    return f;
  }();
  return features;
}

bool cpu_has_fast_bf16() {
  const CpuFeatures& f = cpu_features();
  const bool avx512 = f.avx512_bf16 && f.os_saves_avx512;
  const bool amx = f.amx_bf16 && f.os_saves_amx;
  return (avx512 || amx) && f.onednn;
}

Bf16Autocast::Bf16Autocast(bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  previous_ = at::autocast::is_cpu_enabled();
  previous_dtype_ = static_cast<int>(at::autocast::get_autocast_cpu_dtype());
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::increment_nesting();
}

Bf16Autocast::~Bf16Autocast() {
  if (!enabled_) return;
  // As torch.autocast's __exit__: the cache of cast weights lives for the
  // outermost scope only, so updated weights are cast afresh next step.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_cpu_enabled(previous_);
  at::autocast::set_autocast_cpu_dtype(static_cast<at::ScalarType>(previous_dtype_));
}

}  // namespace emopiano::detail
