// The OPENBLAS_CORETYPE the program asks for: only where OpenBLAS chose a
// kernel for fewer instructions than the CPU has, never for a name it does
// not know.
#include <gtest/gtest.h>

#include <string>

#include "kernels/openblas_core.hpp"

namespace emopiano::kernels {
namespace {

using L = CpuVectorLevel;

std::string better(const char* core, L cpu) {
  const char* b = better_openblas_coretype(core, cpu);
  return b ? b : "";
}

TEST(OpenblasCore, AnOlderKernelIsReplacedByTheCpusOwn) {
  EXPECT_EQ(better("Prescott", L::avx512), "SkylakeX");  // a generic CPU model under a hypervisor
  EXPECT_EQ(better("prescott", L::avx512), "SkylakeX");
  EXPECT_EQ(better("Nehalem", L::avx2), "Haswell");
  EXPECT_EQ(better("Sandybridge", L::avx2), "Haswell");
  EXPECT_EQ(better("Haswell", L::avx512), "SkylakeX");
  EXPECT_EQ(better("Zen", L::avx512), "SkylakeX");
}

TEST(OpenblasCore, AGoodEnoughOrUnknownChoiceIsKept) {
  EXPECT_EQ(better("SkylakeX", L::avx512), "");
  EXPECT_EQ(better("Cooperlake", L::avx512), "");
  EXPECT_EQ(better("SapphireRapids", L::avx512), "");
  EXPECT_EQ(better("Haswell", L::avx2), "");
  EXPECT_EQ(better("Zen", L::avx2), "");
  EXPECT_EQ(better("SkylakeX", L::avx2), "");   // never a kernel the CPU cannot run...
  EXPECT_EQ(better("Prescott", L::older), "");  // ...or one for an AVX-only or older CPU
  EXPECT_EQ(better("Prescott", L::avx), "");
  EXPECT_EQ(better("", L::avx512), "");         // no OpenBLAS
  EXPECT_EQ(better("Zen5000", L::avx512), "");  // a name from a newer OpenBLAS
}

TEST(OpenblasCore, ThisProcessHasNoOpenblasToAskAbout) {
  // The torch-free tests do not load OpenBLAS: nothing to correct.
  EXPECT_EQ(openblas_core(), "");
  EXPECT_EQ(better_openblas_coretype(), nullptr);
}

}  // namespace
}  // namespace emopiano::kernels
