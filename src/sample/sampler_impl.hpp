// Sampler internals, visible to tests: an observer of what the model is fed.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "emopiano/sampler.hpp"

namespace emopiano {

// One token as it enters a piece's model input.
struct FedToken {
  int piece = 0;
  int64_t index = 0;  // position in the piece's whole sequence
  int32_t token = 0;
  int32_t bar = 0;                 // bar input (TokenGrammar::bar() after the token)
  int32_t position = 0;            // position-in-bar input
  std::array<float, 4> emotion{};  // emotion input
  int8_t key = 0;                  // key input: key_code() of the key in force
};

struct Sampler::Impl {
  Model model;
  // Called for every token appended to a piece's input sequence (prompt and
  // generated), before it reaches the network. For tests and diagnostics.
  std::function<void(const FedToken&)> observer;
};

}  // namespace emopiano
