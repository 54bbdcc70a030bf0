// Runs the built `emopiano` program as a user would: exit codes, messages,
// help for every command, and `emopiano dataset` on real files.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emopiano/midi.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

using Outcome = test::ProgramRun;

// `emopiano ARGS...` with stdout and stderr captured separately.
Outcome run(const std::vector<std::string>& args) { return test::run_emopiano(args); }

// Command names listed by `emopiano --help`.
std::vector<std::string> command_names() {
  Outcome r = run({"--help"});
  std::vector<std::string> names;
  std::istringstream in(r.out);
  std::string line;
  bool in_list = false;
  while (std::getline(in, line)) {
    if (line == "commands:") {
      in_list = true;
      continue;
    }
    if (in_list) {
      if (line.size() < 3 || line.compare(0, 2, "  ") != 0) break;
      std::istringstream words(line);
      std::string name;
      words >> name;
      names.push_back(name);
    }
  }
  return names;
}

TEST(Cli, HelpAndVersionExitZero) {
  Outcome help = run({"--help"});
  EXPECT_EQ(help.code, 0) << help.err;
  EXPECT_NE(help.out.find("usage: emopiano COMMAND"), std::string::npos) << help.out;
  Outcome version = run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out.rfind("emopiano ", 0), 0u) << version.out;
}

// `emopiano system` as the program sees the machine; OpenBLAS's kernel is the
// best this CPU runs unless the user chose one.
TEST(Cli, SystemReportsTheKernelsAndOpenblasRunsTheCpusBest) {
  const std::vector<std::string> clean = {"OPENBLAS_CORETYPE", "EMOPIANO_OPENBLAS_DETECTED", "EMOPIANO_NO_RESTART"};
  auto json_of = [](const Outcome& r) {
    EXPECT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_object()) << r.out;
    return j.is_object() ? j : nlohmann::json::object();
  };
  const auto as_run = json_of(test::run_emopiano({"system", "--json"}, clean));
  EXPECT_FALSE(as_run.value("gemv_kernel", "").empty()) << as_run.dump();
  EXPECT_FALSE(as_run.value("cpu", "").empty()) << as_run.dump();
  EXPECT_EQ(as_run.value("openblas_better_coretype", "?"), "") << as_run.dump();

  // OpenBLAS on its own: where it chose an older kernel, the program replaced
  // it with the CPU's and says what OpenBLAS had chosen.
  std::vector<std::string> raw_env = clean;
  raw_env.back() = "EMOPIANO_NO_RESTART=1";
  const auto raw = json_of(test::run_emopiano({"system", "--json"}, raw_env));
  const std::string better = raw.value("openblas_better_coretype", "");
  if (!better.empty()) {
    EXPECT_EQ(as_run.value("openblas_core", ""), better) << as_run.dump();
    EXPECT_EQ(as_run.value("openblas_detected", ""), raw.value("openblas_core", "")) << as_run.dump();
  } else {
    EXPECT_EQ(as_run.value("openblas_detected", "?"), "") << as_run.dump();
    EXPECT_EQ(as_run.value("openblas_core", "?"), raw.value("openblas_core", "")) << as_run.dump();
  }

  // A kernel the user chose is kept.
  std::vector<std::string> chosen_env = clean;
  chosen_env.front() = "OPENBLAS_CORETYPE=Haswell";
  const auto chosen = json_of(test::run_emopiano({"system", "--json"}, chosen_env));
  if (!raw.value("openblas_core", "").empty()) EXPECT_EQ(chosen.value("openblas_core", ""), "Haswell");
  EXPECT_EQ(chosen.value("openblas_detected", "?"), "") << chosen.dump();

  const Outcome text = test::run_emopiano({"system"}, clean);
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("GEMV kernel"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("OpenBLAS"), std::string::npos) << text.out;
}

TEST(Cli, EveryCommandHasHelpThatExitsZero) {
  auto names = command_names();
  ASSERT_FALSE(names.empty());
  EXPECT_NE(std::find(names.begin(), names.end(), "dataset"), names.end());
  for (const auto& name : names) {
    Outcome r = run({name, "--help"});
    EXPECT_EQ(r.code, 0) << name << ": " << r.err;
    EXPECT_NE(r.out.find("usage: emopiano " + name), std::string::npos) << name << ": " << r.out;
  }
}

TEST(Cli, EveryCommandRejectsAnUnknownOptionWithExitTwo) {
  for (const auto& name : command_names()) {
    Outcome r = run({name, "--no-such-option"});
    EXPECT_EQ(r.code, 2) << name << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("unknown option --no-such-option"), std::string::npos) << name << ": " << r.err;
  }
}

TEST(Cli, NoCommandOrUnknownCommandExitsTwoWithMessage) {
  Outcome none = run({});
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("usage:"), std::string::npos) << none.err;
  Outcome bogus = run({"frobnicate"});
  EXPECT_EQ(bogus.code, 2);
  EXPECT_NE(bogus.err.find("unknown command 'frobnicate'"), std::string::npos) << bogus.err;
}

TEST(CliDataset, MissingArgumentBadThreadsAndMissingFolder) {
  Outcome none = run({"dataset"});
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("expected 1 argument"), std::string::npos) << none.err;
  Outcome threads = run({"dataset", "/tmp", "--threads", "-3"});
  EXPECT_EQ(threads.code, 2);
  EXPECT_NE(threads.err.find("--threads"), std::string::npos) << threads.err;
  Outcome missing = run({"dataset", "/nonexistent/emopiano/data", "--cache", "none"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
}

Score tiny_score(int seed) {
  Score s;
  for (int i = 0; i < 6; ++i) {
    Note n;
    n.pitch = 50 + (seed * 5 + i * 3) % 30;
    n.velocity = 60 + i;
    n.start_tick = i * 480;
    n.end_tick = n.start_tick + 400;
    s.notes.push_back(n);
  }
  s.normalize();
  s.update_seconds();
  return s;
}

TEST(CliDataset, ReportsFoldersLayoutAsJsonAndText) {
  fs::path root = test::temp_dir("cli-ds");
  for (int q = 1; q <= 4; ++q) {
    fs::create_directories(root / ("Q" + std::to_string(q)));
    for (int k = 0; k < q; ++k)
      write_midi_file(tiny_score(q * 10 + k), root / ("Q" + std::to_string(q)) / ("p" + std::to_string(k) + ".mid"));
  }
  std::ofstream(root / "Q2" / "bad.mid") << "not a midi file";
  fs::path cache = root / "cache";

  Outcome r = run({"dataset", root.string(), "--cache", cache.string(), "--threads", "2", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["layout"], "folders");
  EXPECT_EQ(j["items"], 10);
  EXPECT_EQ(j["quadrants"]["Q1"], 1);
  EXPECT_EQ(j["quadrants"]["Q4"], 4);
  EXPECT_EQ(j["cache_hits"], 0);
  int64_t split_total = 0;
  for (const char* s : {"train", "validation", "test"}) split_total += j["splits"][s]["total"].get<int64_t>();
  EXPECT_EQ(split_total, 10);
  EXPECT_GT(j["tokens"]["total"].get<int64_t>(), 10 * 6 * 3);
  ASSERT_EQ(j["skipped"].size(), 1u);
  EXPECT_NE(j["skipped"][0]["path"].get<std::string>().find("bad.mid"), std::string::npos);
  EXPECT_FALSE(j["skipped"][0]["reason"].get<std::string>().empty());
  // Six notes a beat apart span two bars of 4/4: 0.75 notes a beat, in
  // every split and quadrant that has a clip.
  int densities = 0;
  for (const char* s : {"train", "validation", "test"}) {
    if (!j["splits"][s].contains("notes_per_beat")) continue;
    for (const auto& [q, d] : j["splits"][s]["notes_per_beat"].items()) {
      EXPECT_NEAR(d.get<double>(), 0.75, 1e-9) << s << " " << q;
      ++densities;
    }
  }
  EXPECT_GE(densities, 4);
  // Progress goes to stderr, leaving stdout pure JSON.
  EXPECT_NE(r.err.find("tokenize"), std::string::npos) << r.err;

  Outcome text = run({"dataset", root.string(), "--cache", cache.string()});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("10 tokenized, 1 skipped, 10 from the cache"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("bad.mid"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("skipped 1 file(s):"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("the --density that matches"), std::string::npos) << text.out;
}

TEST(CliDataset, RealEmopia) {
  EMOPIANO_NEED_EMOPIA();
  fs::path cache = test::temp_dir("cli-emopia-cache");
  for (int pass = 0; pass < 2; ++pass) {
    Outcome r = run({"dataset", test::emopia_dir().string(), "--cache", cache.string(), "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["layout"], "emopia");
    EXPECT_EQ(j["items"], 1078);
    EXPECT_EQ(j["splits"]["train"]["total"], 876);
    EXPECT_EQ(j["splits"]["validation"]["total"], 114);
    EXPECT_EQ(j["splits"]["test"]["total"], 88);
    EXPECT_EQ(j["quadrants"]["Q1"], 250);
    EXPECT_EQ(j["quadrants"]["Q2"], 265);
    EXPECT_EQ(j["quadrants"]["Q3"], 253);
    EXPECT_EQ(j["quadrants"]["Q4"], 310);
    EXPECT_EQ(j["skipped"].size(), 0u);
    EXPECT_EQ(j["cache_hits"], pass == 0 ? 0 : 1078);
  }
}

}  // namespace
}  // namespace emopiano
