// LibTorch's own errors, as the library reports them: an allocation failure
// is out of memory (EMOPIANO_ERROR_OUT_OF_MEMORY at the C ABI), and every
// message is one line, without the C++ backtrace LibTorch appends.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <string>

#include "core/foreign_error.hpp"
#include "emopiano.h"
#include "emopiano/error.hpp"

namespace emopiano::capi {
int translate_current_exception() noexcept;  // capi/capi_support.hpp
}

namespace emopiano {
namespace {

TEST(TorchError, AllocationFailureIsOutOfMemoryInOneLine) {
  try {
    auto t = torch::empty({static_cast<int64_t>(1) << 48}, torch::kFloat);  // 1 PiB: past any address space
    FAIL() << "allocated " << t.numel() << " floats";
  } catch (const c10::Error& e) {
    ASSERT_NE(std::string(e.what()).find('\n'), std::string::npos) << "LibTorch's message has a backtrace";
    const Error ours = detail::foreign_error(e);
    EXPECT_EQ(ours.code(), ErrorCode::out_of_memory);
    EXPECT_EQ(std::string(ours.what()).find('\n'), std::string::npos) << ours.what();
    EXPECT_NE(std::string(ours.what()).find("out of memory"), std::string::npos) << ours.what();
    EXPECT_NE(std::string(ours.what()).find("1073741824 MiB"), std::string::npos) << ours.what();
    // And at the C boundary.
    EXPECT_EQ(capi::translate_current_exception(), EMOPIANO_ERROR_OUT_OF_MEMORY);
    EXPECT_EQ(emopiano_last_error_code(), EMOPIANO_ERROR_OUT_OF_MEMORY);
    EXPECT_EQ(std::string(emopiano_last_error()), ours.what());
  }
}

TEST(TorchError, OtherLibTorchErrorsAreInternalInOneLine) {
  try {
    auto t = torch::ones({2, 3}).matmul(torch::ones({4, 5}));
    FAIL() << t.sizes();
  } catch (const c10::Error& e) {
    const Error ours = detail::foreign_error(e);
    EXPECT_EQ(ours.code(), ErrorCode::internal);
    EXPECT_EQ(std::string(ours.what()).find('\n'), std::string::npos) << ours.what();
    EXPECT_EQ(capi::translate_current_exception(), EMOPIANO_ERROR_INTERNAL);
    EXPECT_EQ(std::string(emopiano_last_error()).find("frame #"), std::string::npos) << emopiano_last_error();
  }
}

}  // namespace
}  // namespace emopiano
