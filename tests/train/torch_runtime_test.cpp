// Thread setup and CPU feature detection against what the kernel reports.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include <ATen/autocast_mode.h>

#include "model/torch_runtime.hpp"

namespace emopiano::detail {
namespace {

std::set<std::string> proc_cpu_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      std::set<std::string> flags;
      for (std::string w; words >> w;) flags.insert(w);
      return flags;
    }
  }
  return {};
}

TEST(TorchRuntime, ThreadsCanBeSetRepeatedly) {
  init_torch_threads(1);
  EXPECT_EQ(torch_threads(), 1);
  init_torch_threads(2);
  EXPECT_EQ(torch_threads(), 2);
  init_torch_threads(0);
  EXPECT_GE(torch_threads(), 1);
}

TEST(TorchRuntime, CpuFeaturesAgreeWithTheKernel) {
  auto flags = proc_cpu_flags();
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags";
  const CpuFeatures& f = cpu_features();
  // The kernel lists a feature only when it also enables its register state.
  EXPECT_EQ(f.avx512f && f.os_saves_avx512, flags.count("avx512f") == 1) << f.describe();
  EXPECT_EQ(f.avx512_bf16 && f.os_saves_avx512, flags.count("avx512_bf16") == 1) << f.describe();
  EXPECT_EQ(f.amx_bf16 && f.os_saves_amx, flags.count("amx_bf16") == 1) << f.describe();
  const bool expected = (flags.count("avx512_bf16") || flags.count("amx_bf16")) && f.onednn;
  EXPECT_EQ(cpu_has_fast_bf16(), expected);
}

TEST(TorchRuntime, AutocastGuardIsScoped) {
  {
    Bf16Autocast off(false);
    EXPECT_FALSE(at::autocast::is_cpu_enabled());
  }
  {
    Bf16Autocast on(true);
    EXPECT_TRUE(at::autocast::is_cpu_enabled());
    EXPECT_EQ(at::autocast::get_autocast_cpu_dtype(), at::kBFloat16);
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
}

}  // namespace
}  // namespace emopiano::detail
