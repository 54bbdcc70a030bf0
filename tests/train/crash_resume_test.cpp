// Crash consistency of training: the program is killed with SIGKILL at 20
// random moments (mid-step, mid-checkpoint, at start-up) and resumed each
// time; every resume succeeds, and the model it finally writes has exactly
// the weights of a run that was never interrupted. Every other kill waits for
// the run to write a checkpoint of its own first, so the resumes are tested
// however slow the machine is beside other tests.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/trainer.hpp"
#include "model/model_impl.hpp"
#include "train/resume_point.hpp"
#include "train/tiny_corpus.hpp"

extern char** environ;

namespace emopiano {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Starts the emopiano program with these arguments, output to `log`.
pid_t start_program(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> words = {EMOPIANO_BINARY_DIR "/emopiano"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct CrashRun {
  fs::path dir, csv, config, checkpoints, out, log;
  CrashRun(const std::string& tag) : dir(test::temp_dir(tag)) {
    csv = test::write_corpus(tag + "-data", {{"a", test::melody({60, 64, 67, 72, 67, 64}, 6), "Q1", "train"},
                                             {"b", test::melody({57, 60, 64, 69}, 5), "Q3", "train"},
                                             {"c", test::melody({62, 65, 69}, 2), "Q2", "val"}});
    config = dir / "config.json";
    // Tiny, one thread, no bf16: exact across processes; a checkpoint every
    // step, so many kills land inside a checkpoint write.
    std::ofstream(config) << R"({"model": {"n_layers": 1, "d_model": 32, "n_heads": 2, "d_ff": 64,
        "context_length": 48, "dropout": 0.1, "max_bars": 16},
      "tokenizer": {},
      "train": {"max_steps": 60, "batch_size": 4, "learning_rate": 0.003, "warmup_steps": 4,
        "checkpoint_every": 1, "eval_every": 7, "threads": 1, "bf16": "off", "seed": 9,
        "transpose_min": -2, "transpose_max": 2}})";
    checkpoints = dir / "ck";
    out = dir / "model.pt";
    log = dir / "program.log";
  }
  // A fresh start while no checkpoint exists; a resume afterwards.
  std::vector<std::string> arguments() const {
    std::error_code ec;
    const bool has_checkpoint = fs::exists(checkpoints / CheckpointFiles::state, ec) ||
                                fs::exists(checkpoints / CheckpointFiles::previous_state, ec);
    std::vector<std::string> a = {"train", "--data",           csv.string(),        "--out", out.string(), "--cache",
                                  "none",  "--checkpoint-dir", checkpoints.string()};
    if (has_checkpoint) {
      a.insert(a.end(), {"--resume", checkpoints.string()});
    } else {
      a.insert(a.end(), {"--config", config.string()});
    }
    return a;
  }
};

// Waits for the program; returns its exit code, or -signal when killed.
int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// Waits until the file at `path` holds something other than `before` (a
// checkpoint written since), the program has ended, or `timeout` has passed.
void wait_for_change(const fs::path& path, const std::string& before, pid_t pid, double timeout) {
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout));
  while (Clock::now() < until) {
    siginfo_t info{};
    // WNOWAIT: look without reaping, wait_for() collects it.
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) return;
    if (read_text(path) != before) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void expect_same_weights(const fs::path& a, const fs::path& b) {
  const Model x = Model::load(a), y = Model::load(b);
  auto p = impl_of(x).net->named_parameters(), q = impl_of(y).net->named_parameters();
  ASSERT_EQ(p.size(), q.size());
  for (size_t i = 0; i < p.size(); ++i) EXPECT_TRUE(torch::equal(p[i].value(), q[i].value())) << p.keys()[i];
}

TEST(CrashResume, TwentySigkillsAndResumesEndWithTheWeightsOfAStraightRun) {
  CrashRun straight("crash-straight");
  const auto started = Clock::now();
  pid_t pid = start_program(straight.arguments(), straight.log);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(wait_for(pid), 0) << read_text(straight.log);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  CrashRun crashed("crash-killed");
  std::mt19937 rng(20261129);
  // Odd runs: a moment in the first fifth of the straight run's time (start-up,
  // the first steps); even runs: up to two steps' time after their first
  // checkpoint. Together they stay short of the 60 steps, so every run is
  // killed and the last one finishes.
  std::uniform_real_distribution<double> moment(0.02 * seconds, 0.2 * seconds),
      after_checkpoint(0.0, 2.0 * seconds / 60);
  const fs::path state = crashed.checkpoints / CheckpointFiles::state;
  int killed = 0, resumes = 0, fallbacks = 0;
  for (int i = 0; i < 20; ++i) {
    const auto args = crashed.arguments();
    resumes += std::find(args.begin(), args.end(), "--resume") != args.end();
    const std::string state_before = read_text(state);
    pid = start_program(args, crashed.log);
    ASSERT_GT(pid, 0);
    if (i % 2 == 0) {
      wait_for_change(state, state_before, pid, 120.0);
      std::this_thread::sleep_for(std::chrono::duration<double>(after_checkpoint(rng)));
    } else {
      std::this_thread::sleep_for(std::chrono::duration<double>(moment(rng)));
    }
    ::kill(pid, SIGKILL);
    const int code = wait_for(pid);
    if (code == -SIGKILL) {
      ++killed;
    } else {
      ASSERT_EQ(code, 0) << "run " << i << " failed:\n" << read_text(crashed.log);
    }
    // Whatever the kill interrupted, what is on disk can be resumed from.
    std::error_code ec;
    if (fs::exists(crashed.checkpoints / CheckpointFiles::state, ec) ||
        fs::exists(crashed.checkpoints / CheckpointFiles::previous_state, ec)) {
      try {
        fallbacks += !train::choose_resume_point(crashed.checkpoints).fallback_reason.empty();
      } catch (const Error& e) {
        ADD_FAILURE() << "after kill " << i << " nothing to resume from: " << e.what();
      }
    }
  }
  EXPECT_GE(killed, 10) << "too few runs were killed before they finished";
  EXPECT_GE(resumes, 10) << "too few kills came after a checkpoint";

  pid = start_program(crashed.arguments(), crashed.log);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(wait_for(pid), 0) << read_text(crashed.log);
  expect_same_weights(straight.out, crashed.out);
  std::printf("%d of 20 runs killed, %d resumed, %d fell back to the previous checkpoint\n", killed, resumes,
              fallbacks);
}

}  // namespace
}  // namespace emopiano
