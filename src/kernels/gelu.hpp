// GELU in its exact form, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), as
// torch::gelu computes it by default, over a row of floats in vector
// registers: a scalar erf per value was a fifth of the time of the step's
// matrix products.
#pragma once

#include <cstdint>

namespace emopiano::kernels {

// x = GELU(x), n values. erf is Abramowitz & Stegun 7.1.26 with a polynomial
// exp: within 3e-7 of the exact GELU, far below the bf16 rounding of the
// weights it follows.
void gelu(float* x, int64_t n);

}  // namespace emopiano::kernels
