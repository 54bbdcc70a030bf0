// `emopiano beats` and `emopiano retime` run as a user would: text and JSON
// beat maps, a retimed file that keeps its notes' times, and clear errors.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "beat/synthetic_performance.hpp"
#include "emopiano/beats.hpp"
#include "emopiano/midi.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

fs::path performance_file(const fs::path& dir) {
  auto p = test::perform(test::steady_beats(97, 48, 0.6), 4, 1, false, 2, 0.02);
  write_midi_file(p.score, dir / "performance.mid");
  return dir / "performance.mid";
}

TEST(CliBeats, PrintsTheMapAndWritesJson) {
  const fs::path dir = test::temp_dir("cli-beats");
  const fs::path in = performance_file(dir);
  auto text = test::run_emopiano({"beats", in.string()});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("pickup 1 beat;"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("bar.beat"), std::string::npos) << text.out;
  // The first downbeat after a one-beat pickup is bar 1, beat 1.
  EXPECT_NE(text.out.find("    1.1 "), std::string::npos) << text.out;

  auto json = test::run_emopiano({"beats", in.string(), "--json", (dir / "map.json").string()});
  ASSERT_EQ(json.code, 0) << json.err;
  std::ifstream file(dir / "map.json");
  const auto j = nlohmann::json::parse(file);
  EXPECT_EQ(j["metre"], 4);
  EXPECT_EQ(j["beats"].size(), j["bpm"].size());
  EXPECT_GT(j["beats"].size(), 40u);

  auto waltz = test::run_emopiano({"beats", in.string(), "--metre", "3"});
  ASSERT_EQ(waltz.code, 0) << waltz.err;
  EXPECT_NE(waltz.out.find("bars of 3"), std::string::npos) << waltz.out;
}

TEST(CliRetime, WritesAFileOnTheTrackedGrid) {
  const fs::path dir = test::temp_dir("cli-retime");
  const fs::path in = performance_file(dir);
  auto r = test::run_emopiano({"retime", in.string(), (dir / "out.mid").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("metre 4/4"), std::string::npos) << r.out;
  const Score before = read_midi_file(in), after = read_midi_file(dir / "out.mid");
  ASSERT_EQ(after.notes.size(), before.notes.size());
  EXPECT_NEAR(after.notes.back().start_seconds, before.notes.back().start_seconds, 0.002);
  EXPECT_FALSE(is_unaligned(after));
  EXPECT_TRUE(is_unaligned(before));
}

TEST(CliBeats, ClearErrorsForBadInput) {
  const fs::path dir = test::temp_dir("cli-beats-bad");
  auto missing = test::run_emopiano({"beats", (dir / "nope.mid").string()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("nope.mid"), std::string::npos) << missing.err;

  std::ofstream(dir / "corrupt.mid") << "MThd garbage";
  auto corrupt = test::run_emopiano({"retime", (dir / "corrupt.mid").string(), (dir / "o.mid").string()});
  EXPECT_EQ(corrupt.code, 1);
  EXPECT_FALSE(fs::exists(dir / "o.mid"));

  auto bad_metre = test::run_emopiano({"beats", performance_file(dir).string(), "--metre", "1"});
  EXPECT_EQ(bad_metre.code, 1);
  EXPECT_NE(bad_metre.err.find("metre"), std::string::npos) << bad_metre.err;

  // Drums only: nothing left to track once channel 10 is left out.
  Score drums;
  drums.tempos = {{0, 0.0, 120.0}};
  for (int i = 0; i < 32; ++i) {
    Note n = test::timed_note(38, 100, 0.5 * i, 0.5 * i + 0.1);
    n.channel = 9;
    drums.notes.push_back(n);
  }
  write_midi_file(drums, dir / "drums.mid");
  auto only_drums = test::run_emopiano({"beats", (dir / "drums.mid").string()});
  EXPECT_EQ(only_drums.code, 0) << only_drums.err;
  EXPECT_NE(only_drums.out.find("too few onsets"), std::string::npos) << only_drums.out;
  auto retimed = test::run_emopiano({"retime", (dir / "drums.mid").string(), (dir / "d.mid").string()});
  EXPECT_EQ(retimed.code, 0) << retimed.err;
  EXPECT_TRUE(fs::exists(dir / "d.mid"));
}

}  // namespace
}  // namespace emopiano
