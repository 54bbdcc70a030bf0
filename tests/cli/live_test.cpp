// `emopiano live` and `emopiano generate --capsule` with a tiny model: a
// capsule read from a pipe as it arrives, JSON lines and MIDI out, Ctrl-C,
// input errors, and the ALSA option failing cleanly where there is none.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>
#include <nlohmann/json.hpp>

#include "emopiano/midi.hpp"
#include "emopiano/model.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

const fs::path& tiny_model_file() {
  static const fs::path path = [] {
    ModelConfig c;
    c.n_layers = 2;
    c.d_model = 32;
    c.n_heads = 2;
    c.d_ff = 64;
    c.context_length = 128;
    c.max_bars = 16;
    const fs::path p = test::temp_dir("cli-live-model") / "tiny.pt";
    Model::create(c, TokenizerConfig{}, 2).save(p);
    return p;
  }();
  return path;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

struct ShellRun {
  int code = -1;
  std::string out, err;
};

// Runs a shell pipeline whose last stage is the program (its stderr to a file).
ShellRun shell(const std::string& command, const fs::path& dir) {
  const fs::path err = dir / "stderr.txt";
  ShellRun r;
  FILE* p = popen(("( " + command + " ) 2>" + quote(err.string())).c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream ss;
  ss << std::ifstream(err).rdbuf();
  r.err = ss.str();
  return r;
}

std::string program() { return quote(EMOPIANO_BINARY_DIR "/emopiano"); }

struct Events {
  int bars = 0, notes = 0;
  std::vector<nlohmann::json> bar_events;
};

// Every line of standard output is one JSON object.
Events parse_events(const std::string& out) {
  Events e;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (j.is_discarded()) continue;
    if (j["event"] == "bar") {
      EXPECT_EQ(j["bar"].get<int>(), e.bars);
      e.bar_events.push_back(j);
      ++e.bars;
    } else if (j["event"] == "note") {
      EXPECT_EQ(j["bar"].get<int>(), e.bars - 1) << "a note follows its bar";
      ++e.notes;
    }
  }
  return e;
}

TEST(CliLive, ReadsACapsuleFromAPipeAndWritesJsonAndMidi) {
  const fs::path dir = test::temp_dir("cli-live");
  const fs::path midi = dir / "live.mid";
  // Rows arrive over time, as a recogniser would send them; bar clock.
  const std::string feed =
      "(printf 'bar,q1,q2,q3,q4\\n0,0.9,0.05,0.03,0.02\\n'; sleep 0.3; "
      "printf '3,0.02,0.03,0.9,0.05\\n'; sleep 0.3; printf '5,0.02,0.03,0.9,0.05\\n')";
  const ShellRun r = shell(feed + " | " + program() + " live --no-wait --seed 3 --model " +
                               quote(tiny_model_file().string()) + " --midi " + quote(midi.string()),
                           dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const Events e = parse_events(r.out);
  EXPECT_EQ(e.bars, 6) << "bars 0..5: until the bar the last row reaches";
  ASSERT_EQ(e.bar_events.size(), 6u);
  EXPECT_EQ(e.bar_events[2]["quadrant"], "Q1");
  EXPECT_EQ(e.bar_events[3]["quadrant"], "Q3") << "the row at bar 3 is heard from bar 3";
  const Score s = read_midi_file(midi);
  EXPECT_EQ(static_cast<int64_t>(s.notes.size()), e.notes);
  EXPECT_GT(e.notes, 0);

  // The same input gives the same music.
  const ShellRun again = shell(
      feed + " | " + program() + " live --no-wait --quiet --seed 3 --model " + quote(tiny_model_file().string()), dir);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, r.out);

  // Written ahead on the session's thread, the bars are the same: each
  // set_emotion before a bar rewrites the bar written ahead.
  const ShellRun ahead = shell(feed + " | " + program() + " live --no-wait --lookahead --quiet --seed 3 --model " +
                                   quote(tiny_model_file().string()),
                               dir);
  ASSERT_EQ(ahead.code, 0) << ahead.err;
  EXPECT_EQ(ahead.out, r.out);
}

TEST(CliLive, LookaheadPacedFollowsTheCapsuleAndRefusesABadMargin) {
  const fs::path dir = test::temp_dir("cli-live-ahead");
  // Paced to the music: the rows come at once, the bars at the music's pace
  // (one bar's wait: bar 1 is asked for a margin before it is due). Paced, bar
  // 0 may come before the reader has the first row: --emotion says the same.
  const ShellRun r = shell("printf 'bar,q1,q2,q3,q4\\n0,0.9,0.05,0.03,0.02\\n1,0.02,0.03,0.9,0.05\\n' | " + program() +
                               " live --lookahead --margin 0.05 --bars 2 --emotion happy --seed 5 --model " +
                               quote(tiny_model_file().string()),
                           dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const Events e = parse_events(r.out);
  ASSERT_EQ(e.bar_events.size(), 2u);
  EXPECT_EQ(e.bar_events[0]["quadrant"], "Q1");
  EXPECT_EQ(e.bar_events[1]["quadrant"], "Q3") << "the row at bar 1 is heard from bar 1";
  EXPECT_NE(r.err.find("lookahead"), std::string::npos) << r.err;

  const ShellRun bad = shell(
      "printf '' | " + program() + " live --lookahead --margin -1 --model " + quote(tiny_model_file().string()), dir);
  EXPECT_EQ(bad.code, 1) << bad.err;
  EXPECT_NE(bad.err.find("--margin"), std::string::npos) << bad.err;
}

TEST(CliLive, ABadRowStopsWithTheLineAndLeavesTheMidiValid) {
  const fs::path dir = test::temp_dir("cli-live");
  const fs::path midi = dir / "bad.mid";
  const ShellRun r = shell(
      "printf '{\"bar\": 0, \"p\": [0.7, 0.1, 0.1, 0.1]}\\n{\"bar\": 2, \"p\": [0.7, 0.1]}\\n' | " + program() +
          " live --no-wait --seed 1 --model " + quote(tiny_model_file().string()) + " --midi " + quote(midi.string()),
      dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("capsule line 2: 'p' must be an array of four"), std::string::npos) << r.err;
  parse_events(r.out);  // whatever was written is whole JSON lines
  if (fs::exists(midi)) read_midi_file(midi);
}

TEST(CliLive, CtrlCLeavesEveryOutputFileValid) {
  const fs::path dir = test::temp_dir("cli-live");
  const fs::path midi = dir / "interrupted.mid", wav = dir / "interrupted.wav";
  // Paced: two bars a few seconds; an input that never ends (a FIFO the shell
  // keeps open, so no process outlives the program); SIGINT after 3 s, and
  // not before the first bar is written. A job the shell starts with '&'
  // begins with SIGINT ignored until the program sets its handler, so a
  // signal sent during a slow start (a loaded machine) would be lost and the
  // program would play on forever.
  const fs::path fifo = dir / "capsule.fifo";
  fs::remove(fifo);
  const std::string command =
      "mkfifo " + quote(fifo.string()) + "; " + program() + " live --seed 4 --model " +
      quote(tiny_model_file().string()) + " --midi " + quote(midi.string()) + " --wav " + quote(wav.string()) + " < " +
      quote(fifo.string()) + " & pid=$!; exec 3>" + quote(fifo.string()) +
      "; printf 'seconds,valence,arousal\\n0,0.5,0.5\\n' >&3; sleep 3; i=0; while [ ! -e " + quote(midi.string()) +
      " ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done; kill -INT $pid; "
      "wait $pid; echo \"rc=$?\" >&2; exec 3>&-";
  const ShellRun r = shell(command, dir);
  EXPECT_NE(r.err.find("rc=130"), std::string::npos) << r.err;
  const Events e = parse_events(r.out);
  EXPECT_GE(e.bars, 1);
  const Score s = read_midi_file(midi);
  EXPECT_EQ(static_cast<int64_t>(s.notes.size()), e.notes);
  ASSERT_TRUE(fs::exists(wav));
  EXPECT_GT(fs::file_size(wav), 44u);
}

TEST(CliLive, AlsaFailsCleanlyWithoutASequencer) {
  if (fs::exists("/dev/snd/seq")) GTEST_SKIP() << "this machine has a sequencer";
  const fs::path dir = test::temp_dir("cli-live");
  const ShellRun r =
      shell("printf '' | " + program() + " live --no-wait --alsa - --model " + quote(tiny_model_file().string()), dir);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--alsa: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
}

TEST(CliGenerateCapsule, WritesAPieceThatFollowsTheCapsule) {
  const fs::path dir = test::temp_dir("cli-capsule");
  const fs::path capsule = dir / "game.csv", out = dir / "game.mid";
  std::ofstream(capsule) << "bar,valence,arousal\n0,0.8,0.7\n4,-0.8,-0.6\n7,-0.8,-0.6\n";
  auto r = test::run_emopiano({"generate", "--capsule", capsule.string(), "--model", tiny_model_file().string(),
                               "--seed", "2", "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("8 bars"), std::string::npos) << r.out;
  EXPECT_GT(read_midi_file(out).notes.size(), 0u);

  std::ofstream(capsule) << "bar,valence,arousal\n0,0.8,0.7\n4,-0.8,-0.6\n2,0,0\n";
  r = test::run_emopiano(
      {"generate", "--capsule", capsule.string(), "--model", tiny_model_file().string(), "-o", out.string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("game.csv: capsule line 4: time 2 goes back before 4 (line 3)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace emopiano
