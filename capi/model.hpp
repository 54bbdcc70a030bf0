// The opaque model handle, shared with the sampler and trainer entry points.
#pragma once

#include "emopiano.h"
#include "emopiano/model.hpp"

struct emopiano_model {
  // Copies share one network: samplers hold a copy, so freeing the handle
  // while they run is safe.
  emopiano::Model model;
};

namespace emopiano::capi {

// The model a handle holds; throws Error(invalid_argument) on NULL.
const Model& model_of(const emopiano_model* handle);

}  // namespace emopiano::capi
