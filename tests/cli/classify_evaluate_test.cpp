// `emopiano classify` and `emopiano evaluate` run as a user would, with tiny
// untrained model files built here.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emopiano/classifier.hpp"
#include "emopiano/evaluation.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/model.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

using Outcome = test::ProgramRun;

std::string evaluate_file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

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
  Outcome r =
      test::run_emopiano({"classify", (dir / "pieces").string(), "--classifier", classifier.string(), "--json"});
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
  Outcome table = test::run_emopiano({"classify", (dir / "pieces").string(), "--classifier", classifier.string()});
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("accuracy over 2 pieces"), std::string::npos) << table.out;
}

TEST(CliClassify, MissingFileAndGeneratorFileAreErrors) {
  auto dir = test::temp_dir("cli_classify_errors");
  auto classifier = tiny_classifier(dir);
  Outcome missing =
      test::run_emopiano({"classify", (dir / "absent.mid").string(), "--classifier", classifier.string()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("absent.mid"), std::string::npos) << missing.err;
  write_midi_file(scale(60), dir / "x.mid");
  Outcome wrong = test::run_emopiano({"classify", (dir / "x.mid").string(), "--classifier", (dir / "x.mid").string()});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find("classifier file"), std::string::npos) << wrong.err;
}

// A one-layer generator: enough for the commands to run, not to make music.
ModelConfig tiny_generator() {
  ModelConfig mc;
  mc.n_layers = 1;
  mc.d_model = 16;
  mc.n_heads = 2;
  mc.d_ff = 16;
  mc.context_length = 128;
  mc.max_bars = 8;
  return mc;
}

TEST(CliEvaluate, ConfusionMatrixOfRequestedAgainstPredicted) {
  auto dir = test::temp_dir("cli_evaluate");
  auto classifier = tiny_classifier(dir);
  const ModelConfig mc = tiny_generator();
  Model::create(mc, {}, 2).save(dir / "model.pt");
  fs::create_directories(dir / "real");
  write_midi_file(scale(60), dir / "real" / "Q1_a_0.mid");
  write_midi_file(scale(50), dir / "real" / "Q3_b_0.mid");
  Outcome r =
      test::run_emopiano({"evaluate", "--model", (dir / "model.pt").string(), "--classifier", classifier.string(),
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
  Outcome text =
      test::run_emopiano({"evaluate", "--model", (dir / "model.pt").string(), "--classifier", classifier.string(),
                          "--per-quadrant", "2", "--bars", "1", "--max-tokens", "80", "--threads", "1"});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("requested"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Q4 generated"), std::string::npos) << text.out;
  // Two pieces a quadrant: every recall and every row of means carries its
  // 95% interval (a recall of 0, 1 or 2 of 2 has one of three Wilson intervals).
  const std::regex recall_row(
      R"(\nQ[1-4] +\d+ +\d+ +\d+ +\d+ +(0\.000  \(0\.000-0\.658\)|0\.500  \(0\.095-0\.905\)|1\.000  \(0\.342-1\.000\)))");
  EXPECT_EQ(std::distance(std::sregex_iterator(text.out.begin(), text.out.end(), recall_row), std::sregex_iterator()),
            4)
      << text.out;
  const std::regex interval_row(R"(\n  95% interval +(±[0-9.]+|-)( +(±[0-9.]+|-)){5} +[01]\.\d\d-[01]\.\d\d\n)");
  EXPECT_EQ(std::distance(std::sregex_iterator(text.out.begin(), text.out.end(), interval_row), std::sregex_iterator()),
            4)
      << text.out;
}

TEST(CliEvaluate, TrajectoriesJudgeTheOpeningAndClosingBarsApart) {
  auto dir = test::temp_dir("cli_evaluate_trajectories");
  auto classifier = tiny_classifier(dir);
  const ModelConfig mc = tiny_generator();
  TokenizerConfig keys;
  keys.use_key = true;
  keys.emotion_token = false;
  Model::create(mc, keys, 2).save(dir / "model.pt");
  Outcome r = test::run_emopiano({"evaluate",     "--trajectories",
                                  "--model",      (dir / "model.pt").string(),
                                  "--classifier", classifier.string(),
                                  "--seeds",      "3",
                                  "--bars",       "4",
                                  "--change-bar", "2",
                                  "--edge-bars",  "2",
                                  "--max-tokens", "400",
                                  "--guidance",   "2",
                                  "--threads",    "1",
                                  "--save",       (dir / "pieces").string(),
                                  "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["pairs"].size(), 4u);
  // --save keeps every whole piece, named by its pair.
  for (const char* pair : {"Q1-Q3", "Q3-Q1", "Q2-Q4", "Q4-Q2"})
    for (int i = 0; i < 3; ++i)
      EXPECT_TRUE(fs::exists(dir / "pieces" / fmt::format("{}_{:03d}.mid", pair, i))) << pair << " " << i;
  EXPECT_EQ(j["pairs"][0]["from"], "Q1");
  EXPECT_EQ(j["pairs"][0]["to"], "Q3");
  for (const auto& p : j["pairs"]) {
    EXPECT_EQ(p["pieces"], 3);
    EXPECT_EQ(p["first"]["accuracy"]["total"], 3);
    EXPECT_EQ(p["last"]["accuracy"]["total"], 3);
    // Judged against the requested quadrant: the row of `from` for the first bars, of `to` for the last.
    const int from = std::stoi(p["from"].get<std::string>().substr(1)) - 1;
    const int to = std::stoi(p["to"].get<std::string>().substr(1)) - 1;
    int64_t first_row = 0, last_row = 0;
    for (const auto& c : p["first"]["accuracy"]["confusion"][from]) first_row += c.get<int64_t>();
    for (const auto& c : p["last"]["accuracy"]["confusion"][to]) last_row += c.get<int64_t>();
    EXPECT_EQ(first_row, 3);
    EXPECT_EQ(last_row, 3);
    EXPECT_GT(p["last"]["notes_per_bar"].get<double>(), 0.0);
  }
  Outcome text = test::run_emopiano({"evaluate", "--trajectories", "--model", (dir / "model.pt").string(),
                                     "--classifier", classifier.string(), "--seeds", "3", "--bars", "4", "--change-bar",
                                     "2", "--edge-bars", "2", "--max-tokens", "400", "--threads", "1"});
  ASSERT_EQ(text.code, 0) << text.err;
  // Below each of the 8 rows, the Wilson intervals of its four shares (of 3 pieces).
  const std::regex share("(0\\.00-0\\.56|0\\.06-0\\.79|0\\.21-0\\.94|0\\.44-1\\.00)");
  const std::regex interval_row("\\n +95% +" +
                                std::string("(0\\.\\d\\d-[01]\\.\\d\\d +){3}[01]\\.\\d\\d-[01]\\.\\d\\d\\n"));
  int rows = 0;
  for (auto it = std::sregex_iterator(text.out.begin(), text.out.end(), interval_row); it != std::sregex_iterator();
       ++it) {
    const std::string line = it->str();
    EXPECT_EQ(std::distance(std::sregex_iterator(line.begin(), line.end(), share), std::sregex_iterator()), 4) << line;
    ++rows;
  }
  EXPECT_EQ(rows, 8) << text.out;
  // --pairs: one change alone draws the same pieces as in the full run.
  Outcome one = test::run_emopiano({"evaluate",     "--trajectories",
                                    "--model",      (dir / "model.pt").string(),
                                    "--classifier", classifier.string(),
                                    "--seeds",      "3",
                                    "--bars",       "4",
                                    "--change-bar", "2",
                                    "--edge-bars",  "2",
                                    "--max-tokens", "400",
                                    "--guidance",   "2",
                                    "--threads",    "1",
                                    "--pairs",      "tense-calm",
                                    "--save",       (dir / "one").string(),
                                    "--json"});
  ASSERT_EQ(one.code, 0) << one.err;
  auto jo = nlohmann::json::parse(one.out);
  ASSERT_EQ(jo["pairs"].size(), 1u);
  EXPECT_EQ(jo["pairs"][0]["from"], "Q2");
  EXPECT_EQ(jo["pairs"][0]["to"], "Q4");
  EXPECT_EQ(jo["pairs"][0], j["pairs"][2]);
  for (int i = 0; i < 3; ++i) {
    const auto name = fmt::format("Q2-Q4_{:03d}.mid", i);
    EXPECT_EQ(evaluate_file_bytes(dir / "one" / name), evaluate_file_bytes(dir / "pieces" / name)) << name;
  }
  EXPECT_FALSE(fs::exists(dir / "one" / "Q1-Q3_000.mid"));
  for (const char* pairs : {"Q2-Q2", "Q2", "Q2-Q5", ""}) {
    Outcome refused = test::run_emopiano({"evaluate", "--trajectories", "--model", (dir / "model.pt").string(),
                                          "--classifier", classifier.string(), "--bars", "4", "--change-bar", "2",
                                          "--edge-bars", "2", "--pairs", pairs});
    EXPECT_EQ(refused.code, 1) << pairs;
    EXPECT_NE(refused.err.find(std::string(pairs) == "Q2-Q2" ? "no change of emotion" : "--pairs"), std::string::npos)
        << refused.err;
  }
  Outcome bad =
      test::run_emopiano({"evaluate", "--trajectories", "--model", (dir / "model.pt").string(), "--classifier",
                          classifier.string(), "--bars", "4", "--change-bar", "2", "--edge-bars", "3"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("cannot hold 3 bars at each end"), std::string::npos) << bad.err;
}

TEST(ScoreBars, CutsBarsWithTheTempoPedalAndKeyInForce) {
  Score s;
  s.ticks_per_beat = 480;
  for (int i = 0; i < 16; ++i) s.notes.push_back({60 + i, 70, i * 480, i * 480 + 240, 0, 0, 0});
  s.tempos = {{0, 0.0, 100.0}, {1920 + 960, 0.0, 140.0}};
  s.pedal = {{1800, 0.0, true, 127}, {4000, 0.0, false, 0}};
  s.keys = {{0, 0, true}, {3840, 9, false}};
  s.normalize();
  Score mid = score_bars(s, 1, 3);  // bars 2 and 3
  ASSERT_EQ(mid.notes.size(), 8u);
  EXPECT_EQ(mid.notes[0].pitch, 64);
  EXPECT_EQ(mid.notes[0].start_tick, 0);
  EXPECT_EQ(mid.tempos[0].bpm, 100.0);
  EXPECT_EQ(mid.tempos[1].tick, 960);
  ASSERT_GE(mid.pedal.size(), 2u);
  EXPECT_TRUE(mid.pedal[0].down);  // held over the cut
  EXPECT_EQ(mid.pedal[0].tick, 0);
  ASSERT_EQ(mid.keys.size(), 2u);
  EXPECT_TRUE(mid.keys[0].major);
  EXPECT_EQ(mid.keys[1].tick, 1920);
}

}  // namespace
}  // namespace emopiano
