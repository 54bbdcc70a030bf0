// 'emopiano train' as ranks of a data-parallel run, as separate processes on
// 127.0.0.1: --nproc 2 with batch b trains as one process with batch 2b, and
// a rank whose peers never come fails with a message naming them.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/test_support.hpp"
#include "train/tiny_corpus.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

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

fs::path corpus() {
  static const fs::path path =
      test::write_corpus("cli-dist-corpus", {{"a", test::melody({60, 62, 64, 65, 67, 69, 71, 72}, 6), "Q1", "train"},
                                             {"b", test::melody({57, 60, 64, 69, 64, 60}, 2), "Q3", "train"},
                                             {"c", test::melody({62, 66, 69}, 4), "Q4", "train"},
                                             {"d", test::melody({57, 60, 64}, 3), "Q3", "val"}});
  return path;
}

// A tiny model without dropout, float32, `batch` windows per rank.
fs::path write_config(const fs::path& dir, int batch) {
  nlohmann::json j = {
      {"model",
       {{"n_layers", 2},
        {"d_model", 32},
        {"n_heads", 2},
        {"d_ff", 64},
        {"context_length", 32},
        {"dropout", 0.0},
        {"max_bars", 32}}},
      {"tokenizer", nlohmann::json::object()},
      {"train",
       {{"max_steps", 6},
        {"batch_size", batch},
        {"learning_rate", 0.003},
        {"warmup_steps", 2},
        {"checkpoint_every", 0},
        {"log_every", 1},
        {"seed", 21},
        {"bf16", "off"}}},
  };
  const fs::path path = dir / ("config-" + std::to_string(batch) + ".json");
  std::ofstream(path) << j.dump(1);
  return path;
}

double validation_loss(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("validation: loss ([0-9.]+)"))) return -1.0;
  return std::stod(m[1]);
}

std::vector<nlohmann::json> read_log(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(TrainDistributed, NprocTwoTrainsAsOneProcessWithTwiceTheBatch) {
  const fs::path dir = test::temp_dir("cli-dist-equal");
  const std::string data = corpus().string();
  auto two = test::run_emopiano({"train", "--data", data, "--config", write_config(dir, 4).string(), "--out",
                                 (dir / "two.pt").string(), "--log", (dir / "two.jsonl").string(), "--cache", "none",
                                 "--nproc", "2", "--dist-timeout", "30"});
  ASSERT_EQ(two.code, 0) << two.err;
  auto one = test::run_emopiano({"train", "--data", data, "--config", write_config(dir, 8).string(), "--out",
                                 (dir / "one.pt").string(), "--log", (dir / "one.jsonl").string(), "--cache", "none",
                                 "--threads", "1"});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_NE(two.err.find("starting 2 ranks on 127.0.0.1"), std::string::npos) << two.err;
  EXPECT_NE(two.err.find("on each of 2 ranks"), std::string::npos) << two.err;
  EXPECT_TRUE(fs::exists(dir / "two.pt"));
  EXPECT_TRUE(fs::exists(dir / "two.pt.ckpt" / "trainer_state.json"));
  // The model summary is printed once, by rank 0.
  EXPECT_EQ(two.out.find("model written to"), two.out.rfind("model written to")) << two.out;

  const double loss_two = validation_loss(two.out), loss_one = validation_loss(one.out);
  ASSERT_GT(loss_one, 0.0) << one.out;
  EXPECT_NEAR(loss_two, loss_one, 2e-4) << two.out << one.out;

  // One log, written by rank 0 alone, with the same training tokens per step.
  auto log_two = read_log(dir / "two.jsonl"), log_one = read_log(dir / "one.jsonl");
  int starts = 0;
  std::vector<int64_t> seen_two, seen_one;
  for (auto& j : log_two) {
    if (j["event"] == "start") {
      ++starts;
      EXPECT_EQ(j["world_size"], 2);
    }
    if (j["event"] == "step") seen_two.push_back(j["tokens_seen"].get<int64_t>());
  }
  for (auto& j : log_one)
    if (j["event"] == "step") seen_one.push_back(j["tokens_seen"].get<int64_t>());
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(seen_two, seen_one);
  EXPECT_EQ(seen_two.size(), 6u);
}

TEST(TrainDistributed, ARankAloneNamesTheMissingRanksWithinTheTimeout) {
  const fs::path dir = test::temp_dir("cli-dist-alone");
  const auto started = Clock::now();
  auto r = test::run_emopiano({"train", "--data", corpus().string(), "--config", write_config(dir, 4).string(), "--out",
                               (dir / "m.pt").string(), "--cache", "none", "--rank", "0", "--world-size", "2",
                               "--master-port", std::to_string(free_port()), "--dist-timeout", "2"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("rank(s) 1 did not join within 2 s"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "m.pt"));
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - started).count(), 20.0);
}

TEST(TrainDistributed, TakesTheRankFromTorchrunsEnvironment) {
  const fs::path dir = test::temp_dir("cli-dist-env");
  const int port = free_port();
  setenv("RANK", "1", 1);
  setenv("WORLD_SIZE", "2", 1);
  setenv("MASTER_ADDR", "127.0.0.1", 1);
  setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
  auto r = test::run_emopiano({"train", "--data", corpus().string(), "--config", write_config(dir, 4).string(), "--out",
                               (dir / "m.pt").string(), "--cache", "none", "--dist-timeout", "2"});
  for (const char* v : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"}) unsetenv(v);
  EXPECT_EQ(r.code, 1) << r.err;
  // Rank 1 of 2, looking for rank 0 where the variables say.
  EXPECT_NE(r.err.find("rank 1 of 2 (rendezvous 127.0.0.1:" + std::to_string(port) + ")"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cannot reach rank 0's rendezvous store"), std::string::npos) << r.err;
}

// The pid of the rank `rank` process writing `out` (its command line holds
// `out` and "--rank <rank>"), or 0.
pid_t find_rank_process(const fs::path& out, const std::string& rank) {
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(it->path() / "cmdline", std::ios::binary);
    std::vector<std::string> argv;
    for (std::string w; std::getline(in, w, '\0');) argv.push_back(w);
    const bool writes_out = std::find(argv.begin(), argv.end(), out.string()) != argv.end();
    for (size_t i = 0; writes_out && i + 1 < argv.size(); ++i)
      if (argv[i] == "--rank" && argv[i + 1] == rank) return static_cast<pid_t>(std::stol(name));
  }
  return 0;
}

TEST(TrainDistributed, KillingARankMakesTheRunFailWithinTheTimeout) {
  const fs::path dir = test::temp_dir("cli-dist-kill");
  const fs::path log = dir / "kill.jsonl", out = dir / "kill.pt";
  // Rank 1 is killed once rank 0 has logged a step; rank 0 must then fail on
  // its own, within --dist-timeout, and the launcher report both.
  std::atomic<double> killed_at{-1.0};
  const auto started = Clock::now();
  std::thread killer([&] {
    while (std::chrono::duration<double>(Clock::now() - started).count() < 60.0) {
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find("\"event\":\"step\"") != std::string::npos) {
        if (pid_t pid = find_rank_process(out, "1"); pid > 0) {
          ::kill(pid, SIGKILL);
          killed_at = std::chrono::duration<double>(Clock::now() - started).count();
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  auto r = test::run_emopiano({"train", "--data", corpus().string(), "--config", write_config(dir, 4).string(), "--out",
                               out.string(), "--log", log.string(), "--cache", "none", "--nproc", "2", "--max-steps",
                               "1000000", "--dist-timeout", "10"});
  const double ended = std::chrono::duration<double>(Clock::now() - started).count();
  killer.join();
  ASSERT_GT(killed_at.load(), 0.0) << "rank 1 was never found running\n" << r.err;
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("rank 1 (pid"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("was killed by signal 9"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rank 0 of 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Another rank has probably stopped"), std::string::npos) << r.err;
  EXPECT_LT(ended - killed_at.load(), 10.0 + 5.0) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(TrainDistributed, RejectsNprocWithARank) {
  const fs::path dir = test::temp_dir("cli-dist-args");
  auto r = test::run_emopiano({"train", "--data", corpus().string(), "--config", write_config(dir, 4).string(), "--out",
                               (dir / "m.pt").string(), "--nproc", "2", "--rank", "1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--nproc starts the ranks itself"), std::string::npos) << r.err;
  r = test::run_emopiano({"train", "--data", corpus().string(), "--config", write_config(dir, 4).string(), "--out",
                          (dir / "m.pt").string(), "--rank", "2", "--world-size", "2"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("rank 2 is not in 0..1"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace emopiano
