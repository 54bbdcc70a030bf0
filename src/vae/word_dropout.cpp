// Word dropout on the decoder's input tokens.
#include "vae/word_dropout.hpp"

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::vae {

int64_t drop_words(torch::Tensor& tokens, double rate, int32_t mask_id, std::mt19937_64& rng) {
  if (!(rate >= 0.0 && rate < 1.0))
    throw Error(ErrorCode::invalid_argument, fmt::format("word dropout: rate = {} must be in [0, 1)", rate));
  if (tokens.dim() != 2 || tokens.scalar_type() != torch::kLong)
    throw Error(ErrorCode::invalid_argument, "word dropout: tokens must be int64 [B, T]");
  if (rate == 0.0) return 0;
  auto t = tokens.accessor<int64_t, 2>();
  int64_t dropped = 0;
  for (int64_t r = 0; r < tokens.size(0); ++r) {
    // Padding is the mask id too: a row's inputs end where it starts.
    for (int64_t i = 2; i < tokens.size(1) && t[r][i] != mask_id; ++i) {
      // 53 random bits as a uniform double in [0, 1): the same on every platform.
      const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
      if (u < rate) {
        t[r][i] = mask_id;
        ++dropped;
      }
    }
  }
  return dropped;
}

}  // namespace emopiano::vae
