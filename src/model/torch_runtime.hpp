// LibTorch process-wide settings shared by the trainer and the sampler:
// thread pools and what the CPU offers for bfloat16 arithmetic.
#pragma once

#include <string>

namespace emopiano::detail {

// Sets LibTorch's intra-op threads (0 = all cores; LibTorch may default to 1
// here). Idempotent and safe to call from several places. The inter-op pool
// is set to one thread once, before any parallel work: LibTorch refuses a
// second call, and our graphs have no independent ops worth a second pool.
// Process-wide: only emopiano::set_compute_threads, the one documented
// process-wide setting, calls it; library code uses ScopedTorchThreads.
void init_torch_threads(int threads = 0);

// Intra-op threads for one scope (a training run): `threads` while it lives,
// then the count it found is put back, so a host's set_compute_threads is
// never overridden for longer than the call. 0 leaves the setting alone.
class ScopedTorchThreads {
 public:
  explicit ScopedTorchThreads(int threads);
  ~ScopedTorchThreads();
  ScopedTorchThreads(const ScopedTorchThreads&) = delete;
  ScopedTorchThreads& operator=(const ScopedTorchThreads&) = delete;

 private:
  int previous_ = 0;  // 0: nothing to restore
};

// Intra-op threads currently in use.
int torch_threads();

// What the processor and the LibTorch build offer, from cpuid and XGETBV.
struct CpuFeatures {
  bool avx512f = false;
  bool avx512_bf16 = false;      // AVX512_BF16 (vdpbf16ps): Cooper Lake, Sapphire Rapids, Zen 4+
  bool amx_bf16 = false;         // AMX-BF16 tiles: Sapphire Rapids+
  bool os_saves_avx512 = false;  // XCR0 enables the ZMM/opmask state
  bool os_saves_amx = false;     // XCR0 enables the tile state
  bool onednn = false;           // LibTorch built with oneDNN (MKLDNN), which has the bf16 kernels
  std::string describe() const;  // "avx512_bf16 amx_bf16=no onednn" for logs
};
const CpuFeatures& cpu_features();

// True when the CPU has AVX-512 BF16 or AMX-BF16 (enabled by the OS) and
// oneDNN is available: then bf16 autocast pays.
bool cpu_has_fast_bf16();

// Runs LibTorch CPU ops inside its scope under bfloat16 autocast (matmuls and
// linear layers in bf16, reductions and losses in float32) when `enabled`;
// otherwise does nothing. Restores the previous state and drops the cast
// weight cache on exit. Thread-local, like LibTorch's autocast state.
class Bf16Autocast {
 public:
  explicit Bf16Autocast(bool enabled);
  ~Bf16Autocast();
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool enabled_;
  bool previous_ = false;
  int previous_dtype_ = 0;
};

}  // namespace emopiano::detail
