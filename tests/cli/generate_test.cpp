// `emopiano generate` as a user runs it, with the bundled model.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "emopiano/midi.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

TEST(CliGenerate, BatchWritesMidiAndWavPerPiece) {
  fs::path dir = test::temp_dir("cli-generate");
  auto r = test::run_emopiano({"generate", "--emotion", "va:0.7,-0.3", "--bars", "2", "--num", "2", "--seed", "5", "-o",
                               (dir / "calm.mid").string(), "--wav", (dir / "calm.wav").string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (int i = 1; i <= 2; ++i) {
    Score s = read_midi_file(dir / ("calm-" + std::to_string(i) + ".mid"));
    EXPECT_GT(s.notes.size(), 0u);
    fs::path wav = dir / ("calm-" + std::to_string(i) + ".wav");
    ASSERT_TRUE(fs::exists(wav));
    // 16-bit stereo at 44.1 kHz for at least the piece itself.
    EXPECT_GT(fs::file_size(wav), static_cast<size_t>(44 + 4 * 44100 * s.duration_seconds()));
  }
}

TEST(CliGenerate, SameSeedSameFile) {
  fs::path dir = test::temp_dir("cli-generate");
  for (const char* name : {"a.mid", "b.mid"}) {
    auto r = test::run_emopiano(
        {"generate", "--emotion", "sad", "--bars", "2", "--seed", "9", "-o", (dir / name).string(), "--quiet"});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  Score a = read_midi_file(dir / "a.mid"), b = read_midi_file(dir / "b.mid");
  ASSERT_EQ(a.notes.size(), b.notes.size());
  for (size_t i = 0; i < a.notes.size(); ++i) {
    EXPECT_EQ(a.notes[i].pitch, b.notes[i].pitch);
    EXPECT_EQ(a.notes[i].start_tick, b.notes[i].start_tick);
  }
}

TEST(CliGenerate, BadArgumentsAreClearErrors) {
  fs::path dir = test::temp_dir("cli-generate");
  auto bad_emotion = test::run_emopiano({"generate", "--emotion", "furious", "-o", (dir / "x.mid").string()});
  EXPECT_EQ(bad_emotion.code, 1);
  EXPECT_NE(bad_emotion.err.find("furious"), std::string::npos) << bad_emotion.err;
  auto bad_wav = test::run_emopiano({"generate", "--wav", "", "-o", (dir / "x.mid").string()});
  EXPECT_EQ(bad_wav.code, 1);
  EXPECT_NE(bad_wav.err.find("--wav"), std::string::npos) << bad_wav.err;
  auto missing_model =
      test::run_emopiano({"generate", "--model", (dir / "none.pt").string(), "-o", (dir / "x.mid").string()});
  EXPECT_EQ(missing_model.code, 1);
  EXPECT_NE(missing_model.err.find("none.pt"), std::string::npos) << missing_model.err;
  EXPECT_FALSE(fs::exists(dir / "x.mid"));
  auto bad_precision = test::run_emopiano({"generate", "--precision", "f16", "-o", (dir / "x.mid").string()});
  EXPECT_EQ(bad_precision.code, 1);
  EXPECT_NE(bad_precision.err.find("--precision"), std::string::npos) << bad_precision.err;
  auto bad_cache = test::run_emopiano({"generate", "--kv-cache", "int4", "-o", (dir / "x.mid").string()});
  EXPECT_EQ(bad_cache.code, 1);
  EXPECT_NE(bad_cache.err.find("--kv-cache"), std::string::npos) << bad_cache.err;
  auto f32_int8 =
      test::run_emopiano({"generate", "--precision", "f32", "--kv-cache", "int8", "-o", (dir / "x.mid").string()});
  EXPECT_EQ(f32_int8.code, 1);
  EXPECT_NE(f32_int8.err.find("--kv-cache"), std::string::npos) << f32_int8.err;
  EXPECT_FALSE(fs::exists(dir / "x.mid"));
}

// --rhythm-guidance: equal to --guidance it is plain guidance, other music
// than the default split (rhythm 2 under guidance 3); negative is refused.
TEST(CliGenerate, RhythmGuidanceIsAnOptionOfItsOwn) {
  fs::path dir = test::temp_dir("cli-generate-rhythm");
  auto notes = [&](const std::vector<std::string>& extra, const char* name) {
    std::vector<std::string> args = {
        "generate", "--emotion", "calm", "--bars", "4", "--seed", "3", "--guidance", "3", "-o", (dir / name).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = test::run_emopiano(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? read_midi_file(dir / name).notes : std::vector<Note>{};
  };
  auto same = [](const std::vector<Note>& a, const std::vector<Note>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].pitch != b[i].pitch || a[i].start_tick != b[i].start_tick) return false;
    return true;
  };
  const auto by_default = notes({}, "default.mid"), two = notes({"--rhythm-guidance", "2"}, "two.mid"),
             plain = notes({"--rhythm-guidance", "3"}, "plain.mid");
  ASSERT_FALSE(by_default.empty());
  EXPECT_TRUE(same(by_default, two));
  EXPECT_FALSE(same(by_default, plain));
  auto bad = test::run_emopiano({"generate", "--rhythm-guidance", "-1", "-o", (dir / "x.mid").string()});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("--rhythm-guidance"), std::string::npos) << bad.err;
}

TEST(CliGenerate, Float32PrecisionWritesAPiece) {
  fs::path dir = test::temp_dir("cli-generate");
  auto r = test::run_emopiano({"generate", "--emotion", "happy", "--bars", "2", "--seed", "4", "--precision", "f32",
                               "-o", (dir / "f32.mid").string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(read_midi_file(dir / "f32.mid").notes.size(), 0u);
}

// The int8 cache writes a piece of its own: the same seed's piece with the
// bf16 cache shares its opening (the first tokens' distributions differ by
// less than their rounding) but not every note.
TEST(CliGenerate, Int8KvCacheWritesAPiece) {
  fs::path dir = test::temp_dir("cli-generate-int8");
  for (const char* cache : {"bf16", "int8"}) {
    auto r = test::run_emopiano({"generate", "--emotion", "tense", "--bars", "8", "--seed", "11", "--kv-cache", cache,
                                 "-o", (dir / (std::string(cache) + ".mid")).string(), "--quiet"});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  const auto bf16 = read_midi_file(dir / "bf16.mid").notes, int8 = read_midi_file(dir / "int8.mid").notes;
  ASSERT_GT(int8.size(), 0u);
  ASSERT_GT(bf16.size(), 0u);
  EXPECT_EQ(int8.front().pitch, bf16.front().pitch);
}

// 4,096 pieces of the bundled model need about 16 GiB (its one K/V head
// makes a cache of 64 values a token and layer): refused at once with
// the estimate, before any piece is decoded. The program's address space is
// limited to 8 GiB (RLIMIT_AS, inherited), so the result does not depend on
// how much memory the machine has.
TEST(CliGenerate, ABatchThatCannotFitIsRefusedByTheMemoryEstimate) {
  fs::path dir = test::temp_dir("cli-generate-oom");
  struct rlimit before {};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &before), 0);
  struct rlimit limited = before;
  limited.rlim_cur = rlim_t(8) << 30;
  if (before.rlim_max != RLIM_INFINITY && before.rlim_max < limited.rlim_cur) limited.rlim_cur = before.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_AS, &limited), 0);
  auto r = test::run_emopiano(
      {"generate", "--num", "4096", "--bars", "2", "--guidance", "1", "-o", (dir / "x.mid").string()});
  setrlimit(RLIMIT_AS, &before);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("4096 pieces at once need about 16.0 GiB (K/V caches of 4 layers x 512 tokens x 64 wide)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("more than the 8.0 GiB of memory here"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("frame #"), std::string::npos) << "a backtrace in the message: " << r.err;
  EXPECT_FALSE(fs::exists(dir / "x-1.mid"));
  // With guidance every piece runs as two rows: twice the memory, and the message says why.
  ASSERT_EQ(setrlimit(RLIMIT_AS, &limited), 0);
  auto guided = test::run_emopiano(
      {"generate", "--num", "4096", "--bars", "2", "--guidance", "2", "-o", (dir / "x.mid").string()});
  setrlimit(RLIMIT_AS, &before);
  EXPECT_EQ(guided.code, 1);
  EXPECT_NE(guided.err.find("4096 pieces at once need about 32.0 GiB"), std::string::npos) << guided.err;
  EXPECT_NE(guided.err.find("2 rows per piece for guidance"), std::string::npos) << guided.err;
  // A trajectory whose valence changes adds valence guidance's mirrored row: three.
  ASSERT_EQ(setrlimit(RLIMIT_AS, &limited), 0);
  auto turning = test::run_emopiano({"generate", "--num", "4096", "--bars", "2", "--guidance", "2", "--trajectory",
                                     "Q1@0,Q3@1", "-o", (dir / "x.mid").string()});
  setrlimit(RLIMIT_AS, &before);
  EXPECT_EQ(turning.code, 1);
  EXPECT_NE(turning.err.find("4096 pieces at once need about 48.0 GiB"), std::string::npos) << turning.err;
  EXPECT_NE(turning.err.find("3 rows per piece for guidance"), std::string::npos) << turning.err;
}

}  // namespace
}  // namespace emopiano
