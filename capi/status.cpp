// Status codes, the per-thread last error and the exception translation that
// every entry point ends in.
#include <filesystem>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

#include "capi_support.hpp"
#include "core/foreign_error.hpp"
#include "emopiano.h"
#include "emopiano/error.hpp"

namespace emopiano::capi {
namespace {

static_assert(EMOPIANO_ERROR_INVALID_ARGUMENT == static_cast<int>(ErrorCode::invalid_argument));
static_assert(EMOPIANO_ERROR_NOT_FOUND == static_cast<int>(ErrorCode::not_found));
static_assert(EMOPIANO_ERROR_IO == static_cast<int>(ErrorCode::io));
static_assert(EMOPIANO_ERROR_FORMAT == static_cast<int>(ErrorCode::format));
static_assert(EMOPIANO_ERROR_BUFFER_TOO_SMALL == static_cast<int>(ErrorCode::buffer_too_small));
static_assert(EMOPIANO_ERROR_CANCELLED == static_cast<int>(ErrorCode::cancelled));
static_assert(EMOPIANO_ERROR_UNSUPPORTED == static_cast<int>(ErrorCode::unsupported));
static_assert(EMOPIANO_ERROR_INTERNAL == static_cast<int>(ErrorCode::internal));
static_assert(EMOPIANO_ERROR_OUT_OF_MEMORY == static_cast<int>(ErrorCode::out_of_memory));

struct LastError {
  int status = EMOPIANO_OK;
  std::string message;
  // Used when storing the message itself runs out of memory.
  const char* fallback = nullptr;
};

LastError& last_error() noexcept {
  thread_local LastError error;
  return error;
}

}  // namespace

int set_error(int status, std::string_view message) noexcept {
  LastError& error = last_error();
  error.status = status;
  try {
    error.message.assign(message.data(), message.size());
    error.fallback = nullptr;
  } catch (...) {
    error.message.clear();
    error.fallback = "out of memory while recording an error";
  }
  return status;
}

int translate_current_exception() noexcept {
  try {
    throw;
  } catch (const Error& e) {
    int status = static_cast<int>(e.code());
    // ErrorCode::ok or an unknown code in an exception is a bug of its own.
    if (status >= 0 || status < EMOPIANO_ERROR_OUT_OF_MEMORY) status = EMOPIANO_ERROR_INTERNAL;
    return set_error(status, e.what());
  } catch (const std::bad_alloc&) {
    return set_error(EMOPIANO_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::filesystem::filesystem_error& e) {
    return set_error(EMOPIANO_ERROR_IO, e.what());
  } catch (const std::invalid_argument& e) {
    return set_error(EMOPIANO_ERROR_INVALID_ARGUMENT, e.what());
  } catch (const std::length_error& e) {
    return set_error(EMOPIANO_ERROR_OUT_OF_MEMORY, std::string("out of memory: ") + e.what());
  } catch (const std::exception& e) {
    // LibTorch's errors (an allocation failure above all): one line, the right code.
    try {
      const Error ours = detail::foreign_error(e);
      return set_error(static_cast<int>(ours.code()), ours.what());
    } catch (...) {
      return set_error(EMOPIANO_ERROR_INTERNAL, "internal error");
    }
  } catch (...) {
    return set_error(EMOPIANO_ERROR_INTERNAL, "internal error: an unknown exception");
  }
}

void* copy_to_malloc(const void* data, size_t bytes) {
  if (bytes == 0) return nullptr;
  void* out = std::malloc(bytes);
  if (!out) throw std::bad_alloc();
  std::memcpy(out, data, bytes);
  return out;
}

char* copy_string(std::string_view text) {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (!out) throw std::bad_alloc();
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return out;
}

void write_string_buffer(char* buffer, size_t buffer_size, size_t* size_needed, std::string_view text) {
  const size_t needed = text.size() + 1;
  if (size_needed) *size_needed = needed;
  if (!buffer && buffer_size != 0) throw Error(ErrorCode::invalid_argument, "buffer is NULL but buffer_size is not 0");
  if (buffer_size < needed)
    throw Error(ErrorCode::buffer_too_small, "buffer of " + std::to_string(buffer_size) +
                                                 " bytes is too small: " + std::to_string(needed) + " needed");
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
}

void check_struct_size(uint32_t struct_size, size_t minimum, size_t current, const char* name) {
  if (struct_size < minimum)
    throw Error(ErrorCode::invalid_argument, std::string(name) + ": struct_size " + std::to_string(struct_size) +
                                                 " is smaller than the first published layout (" +
                                                 std::to_string(minimum) +
                                                 " bytes); set it with the *_params_init function");
  if (struct_size > current)
    throw Error(ErrorCode::unsupported, std::string(name) + ": struct_size " + std::to_string(struct_size) +
                                            " is larger than this library knows (" + std::to_string(current) +
                                            " bytes): the program was built against a newer emopiano.h");
}

bool flag(int32_t value, const char* name) {
  if (value != 0 && value != 1)
    throw Error(ErrorCode::invalid_argument, std::string(name) + " must be 0 or 1, not " + std::to_string(value));
  return value == 1;
}

}  // namespace emopiano::capi

using namespace emopiano::capi;

extern "C" {

const char* emopiano_last_error(void) {
  const LastError& error = last_error();
  if (error.fallback) return error.fallback;
  return error.message.c_str();
}

int emopiano_last_error_code(void) { return last_error().status; }

void emopiano_clear_last_error(void) {
  LastError& error = last_error();
  error.status = EMOPIANO_OK;
  error.message.clear();
  error.fallback = nullptr;
}

const char* emopiano_status_name(int status) {
  if (status <= 0 && status >= EMOPIANO_ERROR_OUT_OF_MEMORY)
    return emopiano::error_code_name(static_cast<emopiano::ErrorCode>(status));
  return "unknown status";
}

void emopiano_free(void* buffer) { std::free(buffer); }

}  // extern "C"
