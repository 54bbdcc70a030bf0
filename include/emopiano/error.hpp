// emopiano: the one exception type of the C++ API.
// Every error the library reports is an emopiano::Error carrying a stable code;
// the C ABI (capi/) maps the code to its negative int status.
#pragma once

#include <stdexcept>
#include <string>

namespace emopiano {

enum class ErrorCode : int {
  ok = 0,
  invalid_argument = -1,  // a null, out-of-range or malformed argument
  not_found = -2,         // a file, token or name that does not exist
  io = -3,                // reading or writing a file failed
  format = -4,            // bytes that are not what they claim (corrupt MIDI, bad model file)
  buffer_too_small = -5,  // a caller-owned buffer cannot hold the result
  cancelled = -6,         // a progress callback or cancel token stopped the work
  unsupported = -7,       // valid input that this build cannot handle
  internal = -8,          // a bug in emopiano or an unexpected library failure
  out_of_memory = -9,     // an allocation failed (std::bad_alloc becomes this at the C ABI)
};

// Short lower-case name of a code, e.g. "format".
const char* error_code_name(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace emopiano
