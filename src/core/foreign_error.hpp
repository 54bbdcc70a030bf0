// Exceptions of the libraries under emopiano (LibTorch's c10::Error above all)
// as one of ours: an allocation failure becomes ErrorCode::out_of_memory, the
// rest ErrorCode::internal, and the message is one line, without the C++
// backtrace LibTorch appends. Free of LibTorch headers: it reads the message,
// so the C ABI and the command line share it in every build.
#pragma once

#include <exception>

#include "emopiano/error.hpp"

namespace emopiano::detail {

Error foreign_error(const std::exception& e);

}  // namespace emopiano::detail
