// `emopiano classify` and `emopiano evaluate` run as a user would, with tiny
// untrained model files built here.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emopiano/classifier.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/model.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

using Outcome = test::ProgramRun;

// `emopiano ARGS...` with stdout and stderr captured separately.
Outcome run(const std::vector<std::string>& args) { return test::run_emopiano(args); }

fs::path tiny_classifier(const fs::path& dir) {
  ClassifierConfig c;
  c.n_layers = 1;
  c.d_model = 16;
  c.n_heads = 2;
  c.d_ff = 16;
  c.window = 32;
  EmotionClassifier::create(c, {}, 1).save(dir / "classifier.pt");
  return dir / "classifier.pt";
}

Score scale(int base) {
  Score s;
  s.ticks_per_beat = 480;
  s.tempos = {{0, 0.0, 120.0}};
  s.time_signatures = {{0, 4, 4}};
  for (int i = 0; i < 12; ++i) s.notes.push_back(Note{base + i, 80, i * 240, i * 240 + 240});
  s.normalize();
  s.update_seconds();
  return s;
}

TEST(CliClassify, LabelledFolderGivesPredictionsAndAccuracy) {
  auto dir = test::temp_dir("cli_classify");
  auto classifier = tiny_classifier(dir);
  fs::create_directories(dir / "pieces" / "Q2");
  write_midi_file(scale(60), dir / "pieces" / "Q1_a_0.mid");
  write_midi_file(scale(40), dir / "pieces" / "Q2" / "b.mid");
  write_midi_file(scale(70), dir / "pieces" / "plain.mid");
  Outcome r = run({"classify", (dir / "pieces").string(), "--classifier", classifier.string(), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int files = 0, labelled = 0;
  nlohmann::json summary;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("summary")) {
      summary = j;
      continue;
    }
    ++files;
    double sum = 0;
    for (double p : j["probabilities"]) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-9) << line;
    if (j.contains("label")) ++labelled;
  }
  EXPECT_EQ(files, 3);
  EXPECT_EQ(labelled, 2);
  EXPECT_EQ(summary["total"], 2);
  // The table form ends with the confusion matrix.
  Outcome table = run({"classify", (dir / "pieces").string(), "--classifier", classifier.string()});
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("accuracy over 2 pieces"), std::string::npos) << table.out;
}

TEST(CliClassify, MissingFileAndGeneratorFileAreErrors) {
  auto dir = test::temp_dir("cli_classify_errors");
  auto classifier = tiny_classifier(dir);
  Outcome missing = run({"classify", (dir / "absent.mid").string(), "--classifier", classifier.string()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("absent.mid"), std::string::npos) << missing.err;
  write_midi_file(scale(60), dir / "x.mid");
  Outcome wrong = run({"classify", (dir / "x.mid").string(), "--classifier", (dir / "x.mid").string()});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find("classifier file"), std::string::npos) << wrong.err;
}

TEST(CliEvaluate, ConfusionMatrixOfRequestedAgainstPredicted) {
  auto dir = test::temp_dir("cli_evaluate");
  auto classifier = tiny_classifier(dir);
  ModelConfig mc;
  mc.n_layers = 1;
  mc.d_model = 16;
  mc.n_heads = 2;
  mc.d_ff = 16;
  mc.context_length = 128;
  mc.max_bars = 8;
  Model::create(mc, {}, 2).save(dir / "model.pt");
  fs::create_directories(dir / "real");
  write_midi_file(scale(60), dir / "real" / "Q1_a_0.mid");
  write_midi_file(scale(50), dir / "real" / "Q3_b_0.mid");
  Outcome r = run({"evaluate", "--model", (dir / "model.pt").string(), "--classifier", classifier.string(),
                   "--per-quadrant", "2", "--bars", "1", "--max-tokens", "80", "--threads", "1", "--data",
                   (dir / "real").string(), "--save", (dir / "out").string(), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["accuracy"]["total"], 8);
  int64_t cells = 0;
  for (const auto& row : j["accuracy"]["confusion"]) {
    int64_t n = 0;
    for (const auto& c : row) n += c.get<int64_t>();
    EXPECT_EQ(n, 2) << "each requested quadrant has its 2 pieces";
    cells += n;
  }
  EXPECT_EQ(cells, 8);
  EXPECT_EQ(j["reference"]["Q1"]["pieces"], 1);
  EXPECT_EQ(j["reference"]["Q2"]["pieces"], 0);
  int saved = 0;
  for (auto& f : fs::directory_iterator(dir / "out")) saved += f.path().extension() == ".mid";
  EXPECT_EQ(saved, 8);
  Outcome text = run({"evaluate", "--model", (dir / "model.pt").string(), "--classifier", classifier.string(),
                      "--per-quadrant", "1", "--bars", "1", "--max-tokens", "80", "--threads", "1"});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("requested"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Q4 generated"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace emopiano
