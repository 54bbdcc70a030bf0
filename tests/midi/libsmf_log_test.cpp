#include <gtest/gtest.h>

#include <string>

#include <glib.h>

#include "midi/libsmf_log.hpp"

namespace emopiano {
namespace {

TEST(LibsmfLog, KeepsMessagesOfThisThread) {
  midi::begin_libsmf_capture();
  g_log("libsmf", G_LOG_LEVEL_WARNING, "first %d", 1);
  g_log("libsmf", G_LOG_LEVEL_CRITICAL, "second");
  EXPECT_EQ(midi::libsmf_messages(), "first 1; second");
  midi::begin_libsmf_capture();
  EXPECT_EQ(midi::libsmf_messages(), "");
}

// The handler runs inside C frames: it has a fixed buffer and stops there,
// however much libsmf logs, instead of growing a string that could throw.
TEST(LibsmfLog, AFloodOfMessagesIsCutAtTheBufferAndNeverThrows) {
  midi::begin_libsmf_capture();
  const std::string line(1000, 'x');
  for (int i = 0; i < 10000; ++i) g_log("libsmf", G_LOG_LEVEL_WARNING, "%s", line.c_str());
  const std::string kept = midi::libsmf_messages();
  EXPECT_EQ(kept.size(), 4096u);
  EXPECT_EQ(kept.substr(0, 1002), line + "; ");
}

}  // namespace
}  // namespace emopiano
