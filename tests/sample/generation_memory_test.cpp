#include <gtest/gtest.h>

#include <string>

#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "sample/generation_memory.hpp"

namespace emopiano {
namespace {

ModelConfig bundled_shape() {
  ModelConfig c;
  c.n_layers = 4;
  c.d_model = 256;
  c.n_heads = 4;
  c.d_ff = 1024;
  c.context_length = 512;
  return c;
}

TEST(GenerationMemory, EstimateIsTheCacheTwiceAndThePromptBuffersPerPiece) {
  const ModelConfig c = bundled_shape();
  const int64_t cache = static_cast<int64_t>(4) * 2 * 512 * 256 * 4;  // 4 MiB
  const int64_t prompt = static_cast<int64_t>(4) * 256 * 256 * 4 + static_cast<int64_t>(256) * 1024 * 4;
  EXPECT_EQ(sample::generation_memory_bytes(c, 1), 2 * cache + prompt);
  EXPECT_EQ(sample::generation_memory_bytes(c, 4096), 4096 * (2 * cache + prompt));
  // The figure: 16 GiB of K/V cache alone for 4,096 pieces.
  EXPECT_EQ(4096 * cache, static_cast<int64_t>(16) << 30);
}

TEST(GenerationMemory, ARequestBeyondTheMachineIsOutOfMemoryWithTheFigures) {
  const ModelConfig c = bundled_shape();
  const int64_t per_piece = sample::generation_memory_bytes(c, 1);
  const int64_t too_many = sample::usable_memory_bytes() / per_piece + 1;
  try {
    sample::check_generation_memory(c, too_many);
    FAIL() << "accepted " << too_many << " pieces";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::out_of_memory);
    EXPECT_NE(std::string(e.what()).find("generate at most " + std::to_string(too_many - 1)), std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(sample::check_generation_memory(c, 8));
}

}  // namespace
}  // namespace emopiano
