// Data-parallel training on LibTorch's c10d (Gloo) with the ranks as threads
// of this process on 127.0.0.1: two ranks with batch b train exactly as one
// process with batch 2b, they stop and resume together, and a rank that never
// comes or dies makes the others fail with a clear error within the timeout.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/trainer.hpp"
#include "model/model_impl.hpp"
#include "train/tiny_corpus.hpp"

namespace emopiano {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

ModelConfig tiny_model() {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 64;
  c.context_length = 32;
  c.dropout = 0.0f;  // the equivalence is exact only without dropout masks
  c.max_bars = 32;
  return c;
}

// Pieces of different lengths, so windows differ in padding and a rank's
// slice of the global batch has its own target count.
std::filesystem::path corpus() {
  static const auto path =
      test::write_corpus("dist-corpus", {{"a", test::melody({60, 62, 64, 65, 67, 69, 71, 72}, 6), "Q1", "train"},
                                         {"b", test::melody({57, 60, 64, 69, 64, 60}, 2), "Q3", "train"},
                                         {"c", test::melody({50, 53, 57, 60}, 1), "Q2", "train"},
                                         {"d", test::melody({62, 66, 69}, 4), "Q4", "train"},
                                         {"e", test::melody({57, 60, 64}, 3), "Q3", "val"},
                                         {"f", test::melody({60, 64, 67, 72}, 2), "Q1", "val"}});
  return path;
}

TrainerConfig quick_config(int batch, int64_t steps) {
  TrainerConfig c;
  c.max_steps = steps;
  c.batch_size = batch;
  c.learning_rate = 3e-3;
  c.warmup_steps = 2;
  c.transpose_min = -3;  // transposition draws from the shared generator too
  c.transpose_max = 3;
  c.checkpoint_every = 0;
  c.log_every = 1;
  c.bf16 = Bf16Mode::off;
  c.seed = 11;
  c.threads = 1;
  return c;
}

DistributedConfig rank_config(int rank, int world, int port, double timeout) {
  DistributedConfig d;
  d.rank = rank;
  d.world_size = world;
  d.master_addr = "127.0.0.1";
  d.master_port = port;
  d.timeout_seconds = timeout;
  d.bucket_megabytes = 0.01;  // several buckets even for this tiny model
  return d;
}

// Runs body(rank) on `world` threads; returns each rank's exception (or null).
std::vector<std::exception_ptr> run_ranks(int world, const std::function<void(int)>& body) {
  std::vector<std::exception_ptr> errors(static_cast<size_t>(world));
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r)
    threads.emplace_back([&, r] {
      try {
        body(r);
      } catch (...) {
        errors[static_cast<size_t>(r)] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  return errors;
}

std::string message_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  }
  return "?";
}

double max_difference(const Model& a, const Model& b) {
  auto pa = impl_of(a).net->named_parameters();
  auto pb = impl_of(b).net->named_parameters();
  EXPECT_EQ(pa.size(), pb.size());
  double worst = 0.0;
  for (const auto& item : pa) worst = std::max(worst, (item.value() - pb[item.key()]).abs().max().item<double>());
  return worst;
}

TEST(Distributed, TwoRanksWithBatchBEqualOneProcessWithBatch2B) {
  Dataset ds = test::load_corpus(corpus());
  const int64_t steps = 6;
  Trainer single(Model::create(tiny_model(), TokenizerConfig{}, 3), ds, quick_config(8, steps));
  TrainResult expected = single.run();
  Model reference = single.model();

  // Rank 1 starts from other weights: rank 0's are broadcast to it.
  std::vector<Model> models = {Model::create(tiny_model(), TokenizerConfig{}, 3),
                               Model::create(tiny_model(), TokenizerConfig{}, 77)};
  ASSERT_GT(max_difference(models[0], models[1]), 1e-3);
  std::vector<TrainResult> results(2);
  const int port = free_port();
  auto errors = run_ranks(2, [&](int r) {
    Trainer t(models[static_cast<size_t>(r)], ds, quick_config(4, steps), {}, rank_config(r, 2, port, 30));
    EXPECT_EQ(t.rank(), r);
    EXPECT_EQ(t.world_size(), 2);
    EXPECT_EQ(t.total_steps(), steps);
    results[static_cast<size_t>(r)] = t.run();
    models[static_cast<size_t>(r)] = t.model();  // each rank trained its own copy
  });
  for (auto& e : errors) ASSERT_FALSE(e) << message_of(e);

  // The ranks hold the same weights, bit for bit (same summed gradients,
  // same optimizer), and those of the single process to float rounding.
  EXPECT_EQ(max_difference(models[0], models[1]), 0.0);
  const double diff = max_difference(models[0], reference);
  EXPECT_LT(diff, 2e-5);
  // Trained weights moved far more than that: the comparison means something.
  Model untrained = Model::create(tiny_model(), TokenizerConfig{}, 3);
  EXPECT_GT(max_difference(reference, untrained), 1e-3);

  for (const TrainResult& r : results) {
    EXPECT_EQ(r.world_size, 2);
    EXPECT_EQ(r.steps, steps);
    // Same windows: the same target tokens in total.
    EXPECT_EQ(r.tokens_seen, expected.tokens_seen);
    // Validation is shared between the ranks and summed: the same windows.
    EXPECT_EQ(r.validation.tokens, expected.validation.tokens);
    EXPECT_NEAR(r.validation.loss, expected.validation.loss, 1e-4);
    EXPECT_NEAR(r.validation.accuracy, expected.validation.accuracy, 1e-9);
  }
}

TEST(Distributed, WithoutOverlapTheResultIsTheSame) {
  // All-reducing after the backward pass instead of during it changes when
  // the sums are made, not what they are.
  Dataset ds = test::load_corpus(corpus());
  Trainer single(Model::create(tiny_model(), TokenizerConfig{}, 4), ds, quick_config(6, 3));
  single.run();
  Model reference = single.model();
  std::vector<Model> models = {Model::create(tiny_model(), TokenizerConfig{}, 4),
                               Model::create(tiny_model(), TokenizerConfig{}, 4)};
  const int port = free_port();
  auto errors = run_ranks(2, [&](int r) {
    DistributedConfig d = rank_config(r, 2, port, 30);
    d.overlap_backward = false;
    d.bucket_megabytes = 100;  // and one bucket
    Trainer t(models[static_cast<size_t>(r)], ds, quick_config(3, 3), {}, d);
    t.run();
    models[static_cast<size_t>(r)] = t.model();
  });
  for (auto& e : errors) ASSERT_FALSE(e) << message_of(e);
  EXPECT_EQ(max_difference(models[0], models[1]), 0.0);
  EXPECT_LT(max_difference(models[0], reference), 2e-5);
}

TEST(Distributed, OnlyRankZeroWritesAndAllRanksResumeFromItsCheckpoint) {
  Dataset ds = test::load_corpus(corpus());
  const int64_t steps = 8;
  Trainer single(Model::create(tiny_model(), TokenizerConfig{}, 5), ds, quick_config(8, steps));
  single.run();
  Model reference = single.model();

  const auto dir = test::temp_dir("dist-resume");
  std::vector<Model> models = {Model::create(tiny_model(), TokenizerConfig{}, 5),
                               Model::create(tiny_model(), TokenizerConfig{}, 5)};
  auto config_of = [&](int r) {
    TrainerConfig c = quick_config(4, steps);
    c.checkpoint_dir = dir / "ck";
    c.log_path = dir / ("log-" + std::to_string(r) + ".jsonl");
    return c;
  };
  // Rank 1 asks to stop after its third step; the ranks agree on a step and
  // both save (rank 0 writes) and throw cancelled.
  int port = free_port();
  std::vector<int64_t> stopped_at(2, -1);
  auto errors = run_ranks(2, [&](int r) {
    TrainerHooks hooks;
    hooks.progress = [r](const ProgressInfo& p) { return !(r == 1 && p.stage == "train" && p.done == 3); };
    Trainer t(models[static_cast<size_t>(r)], ds, config_of(r), hooks, rank_config(r, 2, port, 30));
    try {
      t.run();
    } catch (...) {
      stopped_at[static_cast<size_t>(r)] = t.step();
      throw;
    }
  });
  for (int r = 0; r < 2; ++r) {
    ASSERT_TRUE(errors[static_cast<size_t>(r)]) << "rank " << r << " did not stop";
    try {
      std::rethrow_exception(errors[static_cast<size_t>(r)]);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::cancelled) << e.what();
    }
  }
  EXPECT_EQ(stopped_at[0], stopped_at[1]);
  EXPECT_GE(stopped_at[0], 3);
  EXPECT_LT(stopped_at[0], steps);
  EXPECT_TRUE(std::filesystem::exists(dir / "ck" / CheckpointFiles::state));
  EXPECT_TRUE(std::filesystem::exists(dir / "log-0.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(dir / "log-1.jsonl")) << "only rank 0 writes the log";
  // Rank 0's log reports the all-reduce wait of each step.
  std::ifstream log(dir / "log-0.jsonl");
  bool saw_step = false;
  for (std::string line; std::getline(log, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["event"] == "start") EXPECT_EQ(j["world_size"], 2);
    if (j["event"] == "step") {
      saw_step = true;
      EXPECT_GE(j["allreduce_wait_ms"].get<double>(), 0.0);
      EXPECT_GE(j["loss_sync_ms"].get<double>(), 0.0);
    }
  }
  EXPECT_TRUE(saw_step);

  // Both ranks resume from the one checkpoint and finish the run: the result
  // is the uninterrupted single process's.
  port = free_port();
  std::vector<std::optional<Model>> resumed(2);
  errors = run_ranks(2, [&](int r) {
    Trainer t = Trainer::resume(dir / "ck", ds, config_of(r), {}, rank_config(r, 2, port, 30));
    EXPECT_EQ(t.step(), stopped_at[0]);
    EXPECT_EQ(t.run().steps, steps);
    resumed[static_cast<size_t>(r)] = t.model();
  });
  for (auto& e : errors) ASSERT_FALSE(e) << message_of(e);
  ASSERT_TRUE(resumed[0] && resumed[1]);
  EXPECT_EQ(max_difference(*resumed[0], *resumed[1]), 0.0);
  EXPECT_LT(max_difference(*resumed[0], reference), 2e-5);
}

TEST(Distributed, RanksResumingFromDifferentCheckpointsAreRefused) {
  Dataset ds = test::load_corpus(corpus());
  const auto dir = test::temp_dir("dist-mismatch");
  // Two checkpoints of one run, at steps 2 and 3.
  for (int64_t steps : {2, 3}) {
    TrainerConfig c = quick_config(4, steps);
    c.checkpoint_dir = dir / ("ck" + std::to_string(steps));
    Trainer(Model::create(tiny_model(), TokenizerConfig{}, 6), ds, c).run();
  }
  const int port = free_port();
  auto errors = run_ranks(2, [&](int r) {
    Trainer t =
        Trainer::resume(dir / (r == 0 ? "ck2" : "ck3"), ds, quick_config(4, 6), {}, rank_config(r, 2, port, 30));
    t.run();
  });
  for (int r = 0; r < 2; ++r) {
    ASSERT_TRUE(errors[static_cast<size_t>(r)]);
    const std::string m = message_of(errors[static_cast<size_t>(r)]);
    EXPECT_NE(m.find("same checkpoint"), std::string::npos) << m;
  }
}

TEST(Distributed, ARankThatNeverComesIsNamedWithinTheTimeout) {
  Dataset ds = test::load_corpus(corpus());
  const auto started = Clock::now();
  try {
    Trainer t(Model::create(tiny_model(), TokenizerConfig{}, 1), ds, quick_config(4, 3), {},
              rank_config(0, 3, free_port(), 2.0));
    FAIL() << "expected Error(io)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    const std::string m = e.what();
    EXPECT_NE(m.find("rank(s) 1, 2 did not join within 2 s"), std::string::npos) << m;
    EXPECT_NE(m.find("rank 0 of 3"), std::string::npos) << m;
  }
  EXPECT_LT(seconds_since(started), 10.0);
}

TEST(Distributed, WithoutRankZeroTheOthersFailWithinTheTimeout) {
  Dataset ds = test::load_corpus(corpus());
  const int port = free_port();
  const auto started = Clock::now();
  try {
    Trainer t(Model::create(tiny_model(), TokenizerConfig{}, 1), ds, quick_config(4, 3), {},
              rank_config(1, 2, port, 2.0));
    FAIL() << "expected Error(io)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    const std::string m = e.what();
    EXPECT_NE(m.find("cannot reach rank 0's rendezvous store at 127.0.0.1:" + std::to_string(port)), std::string::npos)
        << m;
  }
  EXPECT_LT(seconds_since(started), 10.0);
}

TEST(Distributed, ARankThatDiesMidRunMakesTheOthersFail) {
  Dataset ds = test::load_corpus(corpus());
  const int port = free_port();
  const double timeout = 4.0;
  std::atomic<Clock::rep> died{0};  // when rank 1 failed, set by its thread
  std::vector<double> failed_after(2, -1.0);
  auto errors = run_ranks(2, [&](int r) {
    TrainerHooks hooks;
    // Rank 1 fails after its second step: its trainer, sockets and all, is
    // gone while rank 0 waits in the next all-reduce.
    hooks.progress = [&, r](const ProgressInfo& p) -> bool {
      if (r == 1 && p.stage == "train" && p.done == 2) {
        died = Clock::now().time_since_epoch().count();
        throw std::runtime_error("rank 1 crashed");
      }
      return true;
    };
    Trainer t(Model::create(tiny_model(), TokenizerConfig{}, 1), ds, quick_config(4, 1000), hooks,
              rank_config(r, 2, port, timeout));
    try {
      t.run();
    } catch (...) {
      if (r == 0) failed_after[0] = seconds_since(Clock::time_point(Clock::duration(died.load())));
      throw;
    }
  });
  ASSERT_TRUE(errors[1]);
  EXPECT_EQ(message_of(errors[1]), "rank 1 crashed");
  ASSERT_TRUE(errors[0]) << "rank 0 went on without rank 1";
  try {
    std::rethrow_exception(errors[0]);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    const std::string m = e.what();
    EXPECT_NE(m.find("rank 0 of 2"), std::string::npos) << m;
    EXPECT_NE(m.find("Another rank has probably stopped"), std::string::npos) << m;
  }
  EXPECT_LT(failed_after[0], timeout + 3.0);
}

TEST(Distributed, ConfigFromEnvironmentAndValidation) {
  setenv("RANK", "3", 1);
  setenv("WORLD_SIZE", "4", 1);
  setenv("MASTER_ADDR", "10.1.2.3", 1);
  setenv("MASTER_PORT", "29511", 1);
  DistributedConfig d = DistributedConfig::from_environment();
  EXPECT_EQ(d.rank, 3);
  EXPECT_EQ(d.world_size, 4);
  EXPECT_EQ(d.master_addr, "10.1.2.3");
  EXPECT_EQ(d.master_port, 29511);
  EXPECT_TRUE(d.enabled());
  EXPECT_NO_THROW(d.validate());
  setenv("WORLD_SIZE", "four", 1);
  try {
    DistributedConfig::from_environment();
    FAIL() << "expected Error(invalid_argument)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("WORLD_SIZE"), std::string::npos);
  }
  for (const char* v : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"}) unsetenv(v);
  EXPECT_FALSE(DistributedConfig::from_environment().enabled());

  DistributedConfig bad;
  bad.world_size = 2;
  bad.rank = 2;
  EXPECT_THROW(bad.validate(), Error);
  bad.rank = 1;
  bad.timeout_seconds = 0;
  EXPECT_THROW(bad.validate(), Error);
  bad.timeout_seconds = 5;
  bad.master_port = 70000;
  EXPECT_THROW(bad.validate(), Error);
}

}  // namespace
}  // namespace emopiano
