// TrainerConfig JSON and the learning-rate schedule.
#include <gtest/gtest.h>

#include <cmath>

#include "emopiano/error.hpp"
#include "emopiano/trainer.hpp"

namespace emopiano {
namespace {

TrainerConfig schedule(double lr, int64_t warmup, double min_ratio) {
  TrainerConfig c;
  c.learning_rate = lr;
  c.warmup_steps = warmup;
  c.min_lr_ratio = min_ratio;
  return c;
}

TEST(LearningRate, WarmupIsLinearFromTheFirstStep) {
  TrainerConfig c = schedule(1e-3, 100, 0.1);
  EXPECT_DOUBLE_EQ(learning_rate_at(c, 0, 1000), 1e-3 * 1 / 100);
  EXPECT_DOUBLE_EQ(learning_rate_at(c, 49, 1000), 1e-3 * 50 / 100);
  EXPECT_DOUBLE_EQ(learning_rate_at(c, 99, 1000), 1e-3);
  for (int64_t s = 1; s < 100; ++s) EXPECT_GT(learning_rate_at(c, s, 1000), learning_rate_at(c, s - 1, 1000));
}

TEST(LearningRate, CosineDecayFromPeakToFloor) {
  TrainerConfig c = schedule(1e-3, 100, 0.1);
  // Decay runs over steps 100..1000: peak at its start, halfway value at its
  // middle, the floor (lr * ratio) at its end and after.
  EXPECT_DOUBLE_EQ(learning_rate_at(c, 100, 1000), 1e-3);
  EXPECT_NEAR(learning_rate_at(c, 550, 1000), (1e-3 + 1e-4) / 2, 1e-15);
  EXPECT_NEAR(learning_rate_at(c, 1000, 1000), 1e-4, 1e-15);
  EXPECT_NEAR(learning_rate_at(c, 5000, 1000), 1e-4, 1e-15);
  // A quarter of the way: min + (max - min) * (1 + cos(pi/4)) / 2.
  EXPECT_NEAR(learning_rate_at(c, 325, 1000), 1e-4 + 9e-4 * (1 + std::cos(M_PI / 4)) / 2, 1e-15);
  for (int64_t s = 101; s <= 1000; ++s) EXPECT_LE(learning_rate_at(c, s, 1000), learning_rate_at(c, s - 1, 1000));
}

TEST(LearningRate, NoWarmupAndRunsShorterThanWarmup) {
  TrainerConfig c = schedule(2e-3, 0, 0.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(c, 0, 10), 2e-3);
  EXPECT_NEAR(learning_rate_at(c, 10, 10), 0.0, 1e-18);
  TrainerConfig w = schedule(2e-3, 50, 0.1);
  EXPECT_DOUBLE_EQ(learning_rate_at(w, 9, 10), 2e-3 * 10 / 50);  // still warming up
}

TEST(TrainerConfigJson, RoundTripsEveryField) {
  TrainerConfig c;
  c.epochs = 3;
  c.max_steps = 1234;
  c.max_minutes = 12.5;
  c.batch_size = 16;
  c.learning_rate = 3e-4;
  c.weight_decay = 0.05;
  c.warmup_steps = 77;
  c.min_lr_ratio = 0.2;
  c.grad_clip = 0.5;
  c.transpose_min = -3;
  c.transpose_max = 4;
  c.join_probability = 0.5;
  c.join_inside = 0.75;
  c.checkpoint_every = 99;
  c.eval_every = 50;
  c.seed = 42;
  c.threads = 2;
  c.bf16 = Bf16Mode::off;
  c.log_path = "/tmp/x.jsonl";
  c.checkpoint_dir = "/tmp/ck";
  c.dataset_name = "EMOPIA";
  TrainerConfig d = TrainerConfig::from_json(c.to_json());
  EXPECT_EQ(d.to_json(), c.to_json());
  EXPECT_EQ(d.bf16, Bf16Mode::off);
  EXPECT_EQ(d.max_steps, 1234);
  EXPECT_EQ(d.log_path, c.log_path);
  EXPECT_EQ(d.join_inside, 0.75);
}

TEST(TrainerConfigJson, MissingKeysKeepDefaultsAndBadInputIsRefused) {
  TrainerConfig d = TrainerConfig::from_json(R"({"batch_size": 4, "bf16": "auto"})");
  EXPECT_EQ(d.batch_size, 4);
  EXPECT_EQ(d.learning_rate, TrainerConfig{}.learning_rate);
  EXPECT_EQ(d.bf16, Bf16Mode::automatic);
  auto code = [](const char* json) {
    try {
      TrainerConfig::from_json(json);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::ok;
  };
  EXPECT_EQ(code("{"), ErrorCode::format);
  EXPECT_EQ(code("[1]"), ErrorCode::format);
  EXPECT_EQ(code(R"({"batchsize": 4})"), ErrorCode::invalid_argument);  // misspelt key
  EXPECT_EQ(code(R"({"batch_size": "four"})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code(R"({"batch_size": 0})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code(R"({"learning_rate": -1})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code(R"({"transpose_min": 3, "transpose_max": 1})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code(R"({"bf16": "maybe"})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code(R"({"join_inside": 1.5})"), ErrorCode::invalid_argument);
  EXPECT_EQ(code(R"({"epochs": 0, "max_steps": 0})"), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace emopiano
