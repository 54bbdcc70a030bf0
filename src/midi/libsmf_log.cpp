#include "midi/libsmf_log.hpp"

#include <cstring>
#include <mutex>

#include <glib.h>

namespace emopiano::midi {

namespace {

// A fixed buffer, not a std::string: the handler runs inside libsmf's C
// frames, where an exception (bad_alloc from a growing string) must never
// start. Appending here cannot allocate and cannot throw.
constexpr size_t kCapacity = 4096;  // a corrupt file can log once per event
thread_local char captured[kCapacity];
thread_local size_t captured_length = 0;

void append(const char* text, size_t length) noexcept {
  const size_t room = kCapacity - captured_length;
  const size_t n = length < room ? length : room;
  std::memcpy(captured + captured_length, text, n);
  captured_length += n;
}

void keep_message(const gchar* /*domain*/, GLogLevelFlags /*level*/, const gchar* message,
                  gpointer /*user_data*/) noexcept {
  if (captured_length >= kCapacity) return;
  if (captured_length > 0) append("; ", 2);
  if (message) append(message, std::strlen(message));
}

}  // namespace

void begin_libsmf_capture() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    g_log_set_handler("libsmf", static_cast<GLogLevelFlags>(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION),
                      keep_message, nullptr);
  });
  captured_length = 0;
}

std::string libsmf_messages() { return std::string(captured, captured_length); }

}  // namespace emopiano::midi
