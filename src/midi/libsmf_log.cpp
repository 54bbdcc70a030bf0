#include "midi/libsmf_log.hpp"

#include <mutex>

#include <glib.h>

namespace emopiano::midi {

namespace {

thread_local std::string captured;

void keep_message(const gchar* /*domain*/, GLogLevelFlags /*level*/, const gchar* message,
                  gpointer /*user_data*/) {
  if (captured.size() > 4096) return;  // a corrupt file can log once per event
  if (!captured.empty()) captured += "; ";
  captured += message ? message : "";
}

}  // namespace

void begin_libsmf_capture() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    g_log_set_handler("libsmf", static_cast<GLogLevelFlags>(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
                                                            G_LOG_FLAG_RECURSION),
                      keep_message, nullptr);
  });
  captured.clear();
}

std::string libsmf_messages() { return captured; }

}  // namespace emopiano::midi
