#include "core/foreign_error.hpp"

#include <string>
#include <string_view>

namespace emopiano::detail {

Error foreign_error(const std::exception& e) {
  std::string_view text = e.what() ? e.what() : "";
  // c10::Error::what() is the message, then "\nException raised from ..." and
  // the frames; the first line is what a user can act on.
  text = text.substr(0, text.find('\n'));
  // LibTorch's CPU allocator: "DefaultCPUAllocator: can't allocate memory: you
  // tried to allocate N bytes. Error code 12 (Cannot allocate memory)" (or "not
  // enough memory" in other releases).
  const bool allocation = text.find("DefaultCPUAllocator") != std::string_view::npos ||
                          text.find("can't allocate memory") != std::string_view::npos ||
                          text.find("not enough memory") != std::string_view::npos;
  if (allocation) {
    std::string message = "out of memory";
    const size_t tried = text.find("tried to allocate ");
    if (tried != std::string_view::npos) {
      std::string_view rest = text.substr(tried + 18);
      rest = rest.substr(0, rest.find(' '));
      double bytes = 0;
      try {
        bytes = std::stod(std::string(rest));
      } catch (...) {
        bytes = 0;
      }
      if (bytes > 0)
        message +=
            ": LibTorch could not allocate " + std::to_string(static_cast<long long>(bytes / (1 << 20))) + " MiB";
    }
    return Error(ErrorCode::out_of_memory, message);
  }
  return Error(ErrorCode::internal, "internal error: " + std::string(text));
}

}  // namespace emopiano::detail
