// The opaque dataset handle, shared with the trainer entry points.
#pragma once

#include "emopiano.h"
#include "emopiano/dataset.hpp"

struct emopiano_dataset {
  emopiano::Dataset dataset;
};

namespace emopiano::capi {
// The dataset a handle holds; throws Error(invalid_argument) on NULL.
const Dataset& dataset_of(const emopiano_dataset* handle);
}  // namespace emopiano::capi
