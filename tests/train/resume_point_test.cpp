// Two complete checkpoints are kept; when the newest one's files are
// truncated, zeroed or missing, resume takes the previous one and says so,
// and the run then ends with the weights of a run that was never interrupted.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/trainer.hpp"
#include "model/model_impl.hpp"
#include "train/checkpoint.hpp"
#include "train/resume_point.hpp"
#include "train/tiny_corpus.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

ModelConfig small_net() {
  ModelConfig c;
  c.n_layers = 1;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 64;
  c.context_length = 48;
  c.dropout = 0.1f;  // LibTorch's generator must be restored too
  c.max_bars = 16;
  return c;
}

TrainerConfig nine_steps(const fs::path& dir) {
  TrainerConfig c;
  c.max_steps = 9;
  c.batch_size = 4;
  c.learning_rate = 3e-3;
  c.warmup_steps = 2;
  c.checkpoint_every = 4;  // checkpoints at 4, 8 and the end (9)
  c.bf16 = Bf16Mode::off;
  c.threads = 1;
  c.seed = 11;
  c.checkpoint_dir = dir;
  c.log_path = dir.parent_path() / "log.jsonl";
  return c;
}

Dataset resume_corpus() {
  static const fs::path csv =
      test::write_corpus("resume-point", {{"a", test::melody({60, 64, 67, 72}, 4), "Q1", "train"},
                                          {"b", test::melody({57, 60, 64}, 3), "Q3", "train"},
                                          {"c", test::melody({62, 65, 69}, 2), "Q2", "val"}});
  return test::load_corpus(csv);
}

// A finished 9-step run's checkpoint directory (newest: 9, previous: 8).
fs::path trained_checkpoints(const std::string& tag) {
  const fs::path dir = test::temp_dir(tag) / "ck";
  Trainer(Model::create(small_net(), TokenizerConfig{}, 2), resume_corpus(), nine_steps(dir)).run();
  return dir;
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

void truncate_to_half(const fs::path& file) { fs::resize_file(file, fs::file_size(file) / 2); }

void zero(const fs::path& file) {
  const auto size = fs::file_size(file);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << std::string(size, '\0');
}

TEST(ResumePoint, KeepsTheNewestAndThePreviousCheckpointOnly) {
  const fs::path dir = trained_checkpoints("keep-two");
  EXPECT_EQ(names_in(dir),
            (std::set<std::string>{CheckpointFiles::state, CheckpointFiles::previous_state, "model-9.pt",
                                   "optimizer-9.pt", "model-8.pt", "optimizer-8.pt", CheckpointFiles::best_model}));
  const train::ResumePoint p = train::choose_resume_point(dir);
  EXPECT_EQ(p.step, 9);
  EXPECT_EQ(p.fallback_reason, "");
  EXPECT_EQ(train::read_checkpoint_state_file(dir / CheckpointFiles::previous_state).step, 8);
}

TEST(ResumePoint, TruncatedNewestModelFallsBackToThePreviousAndSaysSo) {
  const fs::path dir = trained_checkpoints("truncated");
  truncate_to_half(dir / "model-9.pt");
  const train::ResumePoint p = train::choose_resume_point(dir);
  EXPECT_EQ(p.step, 8);
  EXPECT_NE(p.fallback_reason.find("model-9.pt"), std::string::npos) << p.fallback_reason;
  EXPECT_NE(p.fallback_reason.find("step 8"), std::string::npos) << p.fallback_reason;

  // The trainer resumes there, logs why, and ends where a straight run ends.
  Trainer resumed = Trainer::resume(dir, resume_corpus(), nine_steps(dir));
  EXPECT_EQ(resumed.step(), 8);
  std::ifstream log(dir.parent_path() / "log.jsonl");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"warning\""), std::string::npos);
  EXPECT_NE(text.find("resuming from the previous one, at step 8"), std::string::npos) << text;
  resumed.run();

  // A trainer trains its own copy of the model: compare what the two trainers hold.
  Trainer straight_run(Model::create(small_net(), TokenizerConfig{}, 2), resume_corpus(),
                       nine_steps(test::temp_dir("straight") / "ck"));
  straight_run.run();
  const Model straight = straight_run.model(), after = resumed.model();
  auto a = impl_of(straight).net->named_parameters(), b = impl_of(after).net->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i].value(), b[i].value())) << a.keys()[i];
}

TEST(ResumePoint, ZeroedNewestOptimizerFallsBackToThePrevious) {
  const fs::path dir = trained_checkpoints("zeroed");
  zero(dir / "optimizer-9.pt");
  const train::ResumePoint p = train::choose_resume_point(dir);
  EXPECT_EQ(p.step, 8);
  EXPECT_NE(p.fallback_reason.find("optimizer-9.pt fails its CRC-32"), std::string::npos) << p.fallback_reason;
}

TEST(ResumePoint, MissingOrDamagedStateFileFallsBackToThePrevious) {
  const fs::path dir = trained_checkpoints("state-gone");
  zero(dir / CheckpointFiles::state);
  EXPECT_EQ(train::choose_resume_point(dir).step, 8);
  fs::remove(dir / CheckpointFiles::state);
  EXPECT_EQ(train::choose_resume_point(dir).step, 8);
}

TEST(ResumePoint, BothDamagedIsAFormatErrorNamingEachProblem) {
  const fs::path dir = trained_checkpoints("both-damaged");
  truncate_to_half(dir / "model-9.pt");
  fs::remove(dir / "optimizer-8.pt");
  try {
    train::choose_resume_point(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_NE(std::string(e.what()).find("model-9.pt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("optimizer-8.pt is missing"), std::string::npos) << e.what();
  }
}

TEST(ResumePoint, StaleTemporariesOfAKilledWriteAreRemovedByTheNextCheckpoint) {
  const fs::path dir = trained_checkpoints("stale");
  std::ofstream(dir / "model-10.pt.tmp-0123456789abcdef") << "half";
  std::ofstream(dir / "notes.txt") << "the user's";
  TrainerConfig more = nine_steps(dir);
  more.max_steps = 10;
  Trainer::resume(dir, resume_corpus(), more).run();
  const auto names = names_in(dir);
  EXPECT_EQ(names.count("model-10.pt.tmp-0123456789abcdef"), 0u);
  EXPECT_EQ(names.count("notes.txt"), 1u);  // not ours: left alone
  EXPECT_EQ(names.count("model-10.pt"), 1u);
  EXPECT_EQ(names.count("model-8.pt"), 0u);
}

}  // namespace
}  // namespace emopiano
