// The opaque cancel token and the C progress callback adapter, shared by the
// entry points that run long work.
#pragma once

#include <string>

#include "emopiano.h"
#include "emopiano/progress.hpp"

struct emopiano_cancel_token {
  emopiano::CancelToken token;  // copies share the flag, so work holds a copy
};

namespace emopiano::capi {

// A C++ ProgressCallback that calls a C one (or nothing when fn is NULL).
inline ProgressCallback progress_adapter(emopiano_progress_fn fn, void* user_data) {
  if (!fn) return {};
  return [fn, user_data](const ProgressInfo& info) {
    emopiano_progress p{};
    p.struct_size = sizeof(p);
    p.stage = info.stage.c_str();
    p.done = info.done;
    p.total = info.total;
    p.elapsed_seconds = info.elapsed_seconds;
    p.detail = info.detail.c_str();
    return fn(&p, user_data) != 0;
  };
}

}  // namespace emopiano::capi
