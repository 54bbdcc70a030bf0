// Version queries, status names, the per-thread last error, emopiano_free and
// the cancel token.
#include <atomic>
#include <cstring>
#include <string>
#include <thread>

#include "capi/capi_fixtures.hpp"
#include "capi_support.hpp"
#include "emopiano/error.hpp"
#include "emopiano/version.hpp"

namespace {

TEST(CapiVersion, RunTimeMatchesTheHeader) {
  EXPECT_STREQ(emopiano_version_string(), EMOPIANO_VERSION_STRING);
  EXPECT_EQ(emopiano_version_number(), static_cast<uint32_t>(EMOPIANO_VERSION_NUMBER));
  EXPECT_EQ(emopiano_version_number(), static_cast<uint32_t>(EMOPIANO_VERSION_MAJOR * 10000 +
                                                             EMOPIANO_VERSION_MINOR * 100 + EMOPIANO_VERSION_PATCH));
  EXPECT_EQ(emopiano_abi_version(), static_cast<uint32_t>(EMOPIANO_ABI_VERSION));
  EXPECT_STREQ(emopiano_version_string(), emopiano::version_string());
#if defined(EMOPIANO_WITH_TORCH)
  EXPECT_EQ(emopiano_has_model_support(), 1);
#else
  EXPECT_EQ(emopiano_has_model_support(), 0);
#endif
}

TEST(CapiStatus, NamesCoverEveryCode) {
  EXPECT_STREQ(emopiano_status_name(EMOPIANO_OK), "ok");
  EXPECT_STREQ(emopiano_status_name(EMOPIANO_ERROR_INVALID_ARGUMENT), "invalid argument");
  EXPECT_STREQ(emopiano_status_name(EMOPIANO_ERROR_FORMAT), "format error");
  EXPECT_STREQ(emopiano_status_name(EMOPIANO_ERROR_BUFFER_TOO_SMALL), "buffer too small");
  EXPECT_STREQ(emopiano_status_name(EMOPIANO_ERROR_OUT_OF_MEMORY), "out of memory");
  EXPECT_STREQ(emopiano_status_name(-1000), "unknown status");
  EXPECT_STREQ(emopiano_status_name(7), "unknown status");
  for (int s = EMOPIANO_ERROR_OUT_OF_MEMORY; s <= EMOPIANO_OK; ++s) {
    ASSERT_NE(emopiano_status_name(s), nullptr);
    EXPECT_STRNE(emopiano_status_name(s), "unknown status") << s;
    // Every C status is a C++ ErrorCode of the same value and name.
    EXPECT_STREQ(emopiano::error_code_name(static_cast<emopiano::ErrorCode>(s)), emopiano_status_name(s));
  }
}

TEST(CapiStatus, AnOutOfMemoryErrorKeepsItsCode) {
  const int status = emopiano::capi::guarded(
      [] { throw emopiano::Error(emopiano::ErrorCode::out_of_memory, "no room for the cache"); });
  EXPECT_EQ(status, EMOPIANO_ERROR_OUT_OF_MEMORY);
  EXPECT_STREQ(emopiano_last_error(), "no room for the cache");
}

TEST(CapiLastError, NeverNullAndKeptUntilTheNextFailure) {
  emopiano_clear_last_error();
  ASSERT_NE(emopiano_last_error(), nullptr);
  EXPECT_STREQ(emopiano_last_error(), "");
  EXPECT_EQ(emopiano_last_error_code(), EMOPIANO_OK);

  EXPECT_EQ(emopiano_cancel_token_new(nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_last_error_code(), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(emopiano_last_error(), "out is NULL");

  // A successful call leaves the message alone.
  emopiano_cancel_token* token = nullptr;
  ASSERT_C_OK(emopiano_cancel_token_new(&token));
  EXPECT_STREQ(emopiano_last_error(), "out is NULL");
  emopiano_cancel_token_free(token);

  emopiano_clear_last_error();
  EXPECT_STREQ(emopiano_last_error(), "");
  EXPECT_EQ(emopiano_last_error_code(), EMOPIANO_OK);
}

TEST(CapiLastError, IsPerThread) {
  emopiano_clear_last_error();
  std::string other_message;
  int other_code = 0;
  std::thread t([&] {
    EXPECT_EQ(emopiano_quadrant_parse(nullptr, "Q1"), EMOPIANO_ERROR_INVALID_ARGUMENT);
    other_message = emopiano_last_error();
    other_code = emopiano_last_error_code();
  });
  t.join();
  EXPECT_EQ(other_code, EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(other_message, "out_quadrant is NULL");
  // This thread saw nothing of it.
  EXPECT_STREQ(emopiano_last_error(), "");
  EXPECT_EQ(emopiano_last_error_code(), EMOPIANO_OK);
}

TEST(CapiFree, AcceptsNullEverywhere) {
  emopiano_free(nullptr);
  emopiano_cancel_token_free(nullptr);
  emopiano_trajectory_free(nullptr);
  emopiano_tokenizer_free(nullptr);
  emopiano_dataset_free(nullptr);
#if defined(EMOPIANO_WITH_TORCH)
  emopiano_model_free(nullptr);
  emopiano_sampler_free(nullptr);
  emopiano_generation_free(nullptr);
  emopiano_trainer_free(nullptr);
#endif
  SUCCEED();
}

TEST(CapiCancelToken, SetFromAnotherThreadIsSeen) {
  emopiano_cancel_token* token = nullptr;
  ASSERT_C_OK(emopiano_cancel_token_new(&token));
  int32_t cancelled = -1;
  ASSERT_C_OK(emopiano_cancel_token_is_cancelled(&cancelled, token));
  EXPECT_EQ(cancelled, 0);

  std::thread t([token] { EXPECT_EQ(emopiano_cancel_token_cancel(token), EMOPIANO_OK); });
  t.join();
  ASSERT_C_OK(emopiano_cancel_token_is_cancelled(&cancelled, token));
  EXPECT_EQ(cancelled, 1);

  ASSERT_C_OK(emopiano_cancel_token_reset(token));
  ASSERT_C_OK(emopiano_cancel_token_is_cancelled(&cancelled, token));
  EXPECT_EQ(cancelled, 0);
  emopiano_cancel_token_free(token);
}

TEST(CapiCancelToken, RejectsNull) {
  EXPECT_C_ERROR(emopiano_cancel_token_cancel(nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "token");
  EXPECT_C_ERROR(emopiano_cancel_token_reset(nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "token");
  int32_t c = 0;
  EXPECT_C_ERROR(emopiano_cancel_token_is_cancelled(&c, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "token");
  emopiano_cancel_token* token = nullptr;
  ASSERT_C_OK(emopiano_cancel_token_new(&token));
  EXPECT_C_ERROR(emopiano_cancel_token_is_cancelled(nullptr, token), EMOPIANO_ERROR_INVALID_ARGUMENT, "out_cancelled");
  emopiano_cancel_token_free(token);
}

}  // namespace
