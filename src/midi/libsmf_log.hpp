// libsmf reports problems through glib's g_critical()/g_warning(), which print
// to stderr. A library must not write to its host's stderr, so the messages
// of the "libsmf" log domain are kept per thread instead and put into our own
// error messages when libsmf fails.
#pragma once

#include <string>

namespace emopiano::midi {

// Installs the handler (once per process) and clears this thread's messages.
void begin_libsmf_capture();
// The messages libsmf logged on this thread since begin_libsmf_capture(),
// joined by "; " (empty when there were none).
std::string libsmf_messages();

}  // namespace emopiano::midi
