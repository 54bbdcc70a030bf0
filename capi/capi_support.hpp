// What every C ABI entry point shares: the catch-all that turns exceptions
// into status codes and the thread-local last error, argument checks, params
// struct versioning, and the malloc-backed buffers that emopiano_free releases.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "emopiano.h"
#include "emopiano/error.hpp"
#include "struct_sizes_v1.hpp"

namespace emopiano::capi {

// Records a failure for emopiano_last_error() and returns its status.
int set_error(int status, std::string_view message) noexcept;

// Translates the exception being handled (call only inside a catch block).
int translate_current_exception() noexcept;

// Runs `body` (which returns void) and turns every exception into a status:
// no exception ever leaves an entry point.
template <class Body>
int guarded(Body&& body) noexcept {
  try {
    body();
    return EMOPIANO_OK;
  } catch (...) {
    return translate_current_exception();
  }
}

// Throws Error(invalid_argument) naming the argument when it is NULL.
inline void require(const void* pointer, const char* name) {
  if (!pointer) throw Error(ErrorCode::invalid_argument, std::string(name) + " is NULL");
}

// Throws Error(invalid_argument) when `data` is NULL with a nonzero size.
inline void require_bytes(const void* data, size_t size, const char* name) {
  if (!data && size != 0)
    throw Error(ErrorCode::invalid_argument, std::string(name) + " is NULL but its size is " + std::to_string(size));
}

// A non-NULL C string as a view; throws on NULL.
inline std::string_view require_string(const char* text, const char* name) {
  require(text, name);
  return std::string_view(text);
}

// malloc-backed copies released by emopiano_free (so callers never mix allocators).
void* copy_to_malloc(const void* data, size_t bytes);
char* copy_string(std::string_view text);

template <class T>
T* copy_array(const std::vector<T>& values) {
  if (values.empty()) return nullptr;
  return static_cast<T*>(copy_to_malloc(values.data(), values.size() * sizeof(T)));
}

// Writes `text` into a caller-owned buffer. Reports the size needed (with the
// NUL) in *size_needed when that is not NULL; throws Error(buffer_too_small)
// when the buffer cannot hold it.
void write_string_buffer(char* buffer, size_t buffer_size, size_t* size_needed, std::string_view text);

// Params structs: the caller says how big its struct is (sizeof in the header
// it was built with). Older, smaller structs are accepted: fields past their
// size keep the defaults. `minimum` is the size of the first published layout.
void check_struct_size(uint32_t struct_size, size_t minimum, size_t current, const char* name);

// Fills an init call: defaults for the first struct_size bytes, struct_size set.
template <class Params>
void init_params(Params* params, uint32_t struct_size, size_t minimum, const Params& defaults, const char* name) {
  require(params, name);
  check_struct_size(struct_size, minimum, sizeof(Params), name);
  std::memcpy(params, &defaults, struct_size);
  params->struct_size = struct_size;
}

// Reads a caller's params (NULL = defaults) into a full current struct.
template <class Params>
Params read_params(const Params* params, size_t minimum, const Params& defaults, const char* name) {
  Params result = defaults;
  if (params) {
    check_struct_size(params->struct_size, minimum, sizeof(Params), name);
    std::memcpy(&result, params, params->struct_size);
  }
  result.struct_size = sizeof(Params);
  return result;
}

// Output structs that the caller sized (struct_size set to its sizeof):
// writes as much of `value` as the caller's struct holds.
template <class Out>
void fill_out_struct(Out* out, Out value, size_t minimum, const char* name) {
  require(out, name);
  const uint32_t size = out->struct_size;
  check_struct_size(size, minimum, sizeof(Out), name);
  value.struct_size = size;
  std::memcpy(out, &value, size);
}

// 0/1 flags of params structs: anything else is rejected, so a garbage value
// never silently means "on".
bool flag(int32_t value, const char* name);

}  // namespace emopiano::capi
