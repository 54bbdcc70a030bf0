// The training log: JSON lines, and the lines that mark a state on disk are
// fsynced. A power loss cannot be simulated here, so the test records every
// fsync the process makes: this file defines fsync for the whole test
// binary (which links the library statically), recording the inode and size
// of what is synced, then makes the real system call.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/test_support.hpp"
#include "train/training_log.hpp"

namespace {

struct Sync {
  ino_t inode;
  off_t size;
};
std::mutex sync_mutex;
std::vector<Sync>& recorded_syncs() {
  static std::vector<Sync> syncs;
  return syncs;
}

}  // namespace

extern "C" int fsync(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    std::lock_guard<std::mutex> lock(sync_mutex);
    recorded_syncs().push_back({st.st_ino, st.st_size});
  }
  return static_cast<int>(::syscall(SYS_fsync, fd));
}

namespace emopiano::train {
namespace {

namespace fs = std::filesystem;

ino_t inode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

// The sizes at which `path` was synced since the log was opened.
std::vector<off_t> synced_sizes(const fs::path& path) {
  const ino_t inode = inode_of(path);
  std::lock_guard<std::mutex> lock(sync_mutex);
  std::vector<off_t> sizes;
  for (const Sync& s : recorded_syncs())
    if (s.inode == inode) sizes.push_back(s.size);
  return sizes;
}

off_t size_of(const fs::path& path) { return static_cast<off_t>(fs::file_size(path)); }

class TrainingLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("training_log") / "run";
    path_ = dir_ / "log.jsonl";
    std::lock_guard<std::mutex> lock(sync_mutex);
    recorded_syncs().clear();
  }
  fs::path dir_, path_;
};

TEST_F(TrainingLogTest, CheckpointResumeCancelAndEndLinesAreSyncedStepsAreNot) {
  TrainingLog log(path_);
  log.write("start", {{"step", 0}});
  log.write("step", {{"step", 1}, {"loss", 3.0}});
  log.write("eval", {{"step", 1}, {"val_loss", 3.1}});
  EXPECT_TRUE(synced_sizes(path_).empty()) << "a step or eval line was fsynced";

  log.write("checkpoint", {{"step", 1}, {"dir", "ckpt"}});
  const off_t after_checkpoint = size_of(path_);
  ASSERT_EQ(synced_sizes(path_), std::vector<off_t>{after_checkpoint})
      << "the checkpoint line must be on disk when write returns";

  log.write("step", {{"step", 2}, {"loss", 2.5}});
  EXPECT_EQ(synced_sizes(path_).size(), 1u);
  log.write("resume", {{"step", 2}});
  log.write("cancelled", {{"step", 2}});
  log.write("end", {{"step", 2}});
  const std::vector<off_t> sizes = synced_sizes(path_);
  ASSERT_EQ(sizes.size(), 4u);
  EXPECT_EQ(sizes.back(), size_of(path_));

  // Every line is JSON with its event.
  std::ifstream in(path_);
  std::vector<std::string> events;
  for (std::string line; std::getline(in, line);) events.push_back(nlohmann::json::parse(line)["event"]);
  EXPECT_EQ(events,
            (std::vector<std::string>{"start", "step", "eval", "checkpoint", "step", "resume", "cancelled", "end"}));
}

// The log file is new: its name is an entry of the directory, which must be
// on disk too, or a power loss can leave no log at all.
TEST_F(TrainingLogTest, TheDirectoryIsSyncedOnceWithTheFirstDurableLine) {
  TrainingLog log(path_);
  log.write("step", {{"step", 1}});
  EXPECT_TRUE(synced_sizes(dir_).empty());
  log.write("checkpoint", {{"step", 1}});
  EXPECT_EQ(synced_sizes(dir_).size(), 1u);
  log.write("end", {{"step", 1}});
  EXPECT_EQ(synced_sizes(dir_).size(), 1u);
}

TEST_F(TrainingLogTest, EmptyPathWritesNothing) {
  TrainingLog log{fs::path()};
  log.write("checkpoint", {{"step", 1}});
  std::lock_guard<std::mutex> lock(sync_mutex);
  EXPECT_TRUE(recorded_syncs().empty());
}

}  // namespace
}  // namespace emopiano::train
