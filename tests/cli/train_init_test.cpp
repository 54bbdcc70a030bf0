// 'emopiano train --init': pre-train on unlabelled pieces, then fine-tune on
// labelled ones from those weights; a model of another shape or vocabulary
// is refused with a message naming the difference.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "emopiano/model.hpp"
#include "support/test_support.hpp"
#include "train/tiny_corpus.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

fs::path labelled() {
  static const fs::path path =
      test::write_corpus("cli-init-corpus", {{"a", test::melody({60, 62, 64, 65, 67, 69, 71, 72}, 6), "Q1", "train"},
                                             {"b", test::melody({57, 60, 64, 69, 64, 60}, 2), "Q3", "train"},
                                             {"c", test::melody({62, 66, 69}, 4), "Q4", "train"},
                                             {"d", test::melody({57, 60, 64}, 3), "Q3", "val"}});
  return path;
}

fs::path write_init_config(const fs::path& dir, const std::string& name, int d_model, bool keys, double dropout) {
  nlohmann::json j = {{"model",
                       {{"n_layers", 2},
                        {"d_model", d_model},
                        {"n_heads", 2},
                        {"d_ff", 64},
                        {"context_length", 32},
                        {"dropout", 0.0},
                        {"max_bars", 32}}},
                      {"tokenizer", {{"use_key", keys}, {"emotion_token", !keys}}},
                      {"train",
                       {{"max_steps", 4},
                        {"batch_size", 4},
                        {"learning_rate", 0.003},
                        {"warmup_steps", 1},
                        {"checkpoint_every", 0},
                        {"bf16", "off"},
                        {"emotion_dropout", dropout},
                        {"join_probability", dropout > 0 ? 0.5 : 0.0}}}};
  const fs::path path = dir / name;
  std::ofstream(path) << j.dump();
  return path;
}

TEST(CliTrainInit, PretrainUnlabelledThenFineTuneFromItsWeights) {
  const fs::path dir = test::temp_dir("cli-init");
  // Pre-training material: the same pieces without labels (a plain folder).
  const fs::path plain = dir / "plain";
  fs::create_directories(plain);
  for (const auto& entry : fs::recursive_directory_iterator(labelled().parent_path()))
    if (entry.path().extension() == ".mid") fs::copy_file(entry.path(), plain / entry.path().filename());
  auto pre = test::run_emopiano({"train", "--data", plain.string(), "--config",
                                 write_init_config(dir, "pre.json", 32, true, 0.0).string(), "--out",
                                 (dir / "pre.pt").string(), "--cache", "none", "--threads", "1"});
  ASSERT_EQ(pre.code, 0) << pre.err;
  EXPECT_NE(pre.err.find("unlabelled"), std::string::npos) << pre.err;

  auto fine = test::run_emopiano(
      {"train", "--data", labelled().string(), "--config", write_init_config(dir, "fine.json", 32, true, 0.2).string(),
       "--init", (dir / "pre.pt").string(), "--out", (dir / "fine.pt").string(), "--cache", "none", "--threads", "1"});
  ASSERT_EQ(fine.code, 0) << fine.err;
  EXPECT_NE(fine.err.find("initialised from"), std::string::npos) << fine.err;
  auto meta = nlohmann::json::parse(Model::load(dir / "fine.pt").metadata_json());
  EXPECT_TRUE(meta["null_emotion"].get<bool>());
  EXPECT_EQ(meta["initialised_from"]["dataset"]["layout"], "unlabelled");
  EXPECT_EQ(meta["initialised_from"]["training"]["steps"], 4);
  ASSERT_TRUE(meta.contains("key_distribution"));
  auto pre_meta = nlohmann::json::parse(Model::load(dir / "pre.pt").metadata_json());
  EXPECT_FALSE(pre_meta["null_emotion"].get<bool>());  // no labelled piece: nothing to guide
}

TEST(CliTrainInit, MismatchedArchitectureOrVocabularyIsRefused) {
  const fs::path dir = test::temp_dir("cli-init-bad");
  auto pre = test::run_emopiano({"train", "--data", labelled().string(), "--config",
                                 write_init_config(dir, "pre.json", 32, true, 0.0).string(), "--out",
                                 (dir / "pre.pt").string(), "--cache", "none", "--threads", "1"});
  ASSERT_EQ(pre.code, 0) << pre.err;
  auto wide = test::run_emopiano({"train", "--data", labelled().string(), "--config",
                                  write_init_config(dir, "wide.json", 64, true, 0.1).string(), "--init",
                                  (dir / "pre.pt").string(), "--out", (dir / "x.pt").string(), "--cache", "none"});
  EXPECT_EQ(wide.code, 1);
  EXPECT_NE(wide.err.find("cannot be fine-tuned"), std::string::npos) << wide.err;
  EXPECT_NE(wide.err.find("d_model is 32 in the model, 64 in the config"), std::string::npos) << wide.err;
  auto vocab = test::run_emopiano({"train", "--data", labelled().string(), "--config",
                                   write_init_config(dir, "plain.json", 32, false, 0.1).string(), "--init",
                                   (dir / "pre.pt").string(), "--out", (dir / "x.pt").string(), "--cache", "none"});
  EXPECT_EQ(vocab.code, 1);
  EXPECT_NE(vocab.err.find("tokenizer differs"), std::string::npos) << vocab.err;
  EXPECT_FALSE(fs::exists(dir / "x.pt"));
}

TEST(CliTrainInit, AResumedRunWritesIntoANewFolderAndAnImpossibleOneIsRefusedFirst) {
  const fs::path dir = test::temp_dir("cli-train-out");
  const std::string config = write_init_config(dir, "run.json", 32, true, 0.0).string();
  auto first = test::run_emopiano({"train", "--data", labelled().string(), "--config", config, "--out",
                                   (dir / "first.pt").string(), "--checkpoint-dir", (dir / "ckpt").string(), "--cache",
                                   "none", "--threads", "1"});
  ASSERT_EQ(first.code, 0) << first.err;
  // Beside the checkpoints: the weights of the best validation, a model the other commands read.
  EXPECT_GT(Model::load(dir / "ckpt" / "best_model.pt").parameter_count(), 0);
  // Resumed (the checkpoint folder is elsewhere) into a folder that does not exist yet.
  const fs::path deeper = dir / "new" / "deeper" / "model.pt";
  auto resumed =
      test::run_emopiano({"train", "--data", labelled().string(), "--resume", (dir / "ckpt").string(), "--max-steps",
                          "6", "--out", deeper.string(), "--cache", "none", "--threads", "1"});
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(nlohmann::json::parse(Model::load(deeper).metadata_json())["training"]["steps"], 6);
  // A folder that cannot be made (a file stands in its way): refused before any training.
  std::ofstream(dir / "a-file") << "x";
  auto refused = test::run_emopiano({"train", "--data", labelled().string(), "--config", config, "--out",
                                     (dir / "a-file" / "model.pt").string(), "--cache", "none", "--threads", "1"});
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.err.find("cannot create the folder"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find("training"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace emopiano
