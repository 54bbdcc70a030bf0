// Word dropout hides about the asked share of the decoder's inputs, never BOS,
// the emotion token or the padding, and draws the same from the same generator.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "emopiano/error.hpp"
#include "vae/word_dropout.hpp"

namespace emopiano {
namespace {

constexpr int32_t kMask = 0;

// Rows of real tokens (ids 5..) followed by padding (kMask).
torch::Tensor inputs(int64_t rows, int64_t length, int64_t padded) {
  auto t = torch::full({rows, length}, static_cast<int64_t>(kMask), torch::kLong);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < length - padded; ++i) t[r][i] = 5 + (i % 7);
  return t;
}

TEST(WordDropout, HidesTheAskedShareOfRealInputsOnly) {
  auto tokens = inputs(64, 100, 20);
  const auto before = tokens.clone();
  std::mt19937_64 rng(7);
  const int64_t dropped = vae::drop_words(tokens, 0.3, kMask, rng);
  // 64 rows x 78 droppable inputs; 30% of 4992 with a binomial spread of about 32.
  EXPECT_NEAR(static_cast<double>(dropped), 0.3 * 64 * 78, 150.0);
  EXPECT_EQ(tokens.ne(before).sum().item<int64_t>(), dropped);
  using torch::indexing::Slice;
  EXPECT_TRUE(torch::equal(tokens.index({Slice(), Slice(0, 2)}), before.index({Slice(), Slice(0, 2)})));
  EXPECT_TRUE(torch::equal(tokens.index({Slice(), Slice(80, 100)}), before.index({Slice(), Slice(80, 100)})));
  EXPECT_TRUE(tokens.eq(kMask).logical_or(tokens.eq(before)).all().item<bool>());
}

TEST(WordDropout, SameGeneratorSameDraws) {
  auto a = inputs(4, 50, 5), b = inputs(4, 50, 5);
  std::mt19937_64 ra(11), rb(11);
  vae::drop_words(a, 0.5, kMask, ra);
  vae::drop_words(b, 0.5, kMask, rb);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_EQ(ra(), rb());
}

TEST(WordDropout, RateZeroChangesNothingAndBadRatesAreRefused) {
  auto tokens = inputs(2, 10, 2);
  const auto before = tokens.clone();
  std::mt19937_64 rng(1);
  EXPECT_EQ(vae::drop_words(tokens, 0.0, kMask, rng), 0);
  EXPECT_TRUE(torch::equal(tokens, before));
  EXPECT_THROW(vae::drop_words(tokens, 1.0, kMask, rng), Error);
  EXPECT_THROW(vae::drop_words(tokens, -0.5, kMask, rng), Error);
}

}  // namespace
}  // namespace emopiano
