#include "emopiano/error.hpp"

namespace emopiano {

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::ok: return "ok";
    case ErrorCode::invalid_argument: return "invalid argument";
    case ErrorCode::not_found: return "not found";
    case ErrorCode::io: return "i/o error";
    case ErrorCode::format: return "format error";
    case ErrorCode::buffer_too_small: return "buffer too small";
    case ErrorCode::cancelled: return "cancelled";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::internal: return "internal error";
    case ErrorCode::out_of_memory: return "out of memory";
  }
  return "unknown error";
}

}  // namespace emopiano
