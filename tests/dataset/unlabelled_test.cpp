// Unlabelled collections: POP909's song folders (three piano tracks merged
// into one part, keys from key_audio.txt) and any folder of MIDI files.
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/core.h>

#include "dataset/dataset_layout.hpp"
#include "emopiano/dataset.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/tokenizer.hpp"
#include "midi/smf_bytes.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

// A POP909-like song: a conductor track (120 BPM) and MELODY, BRIDGE and PIANO
// tracks on channels 0, 1 and 2, 480 ticks per beat, 8 bars. `transpose`
// makes each song different.
std::vector<uint8_t> three_track_song(int transpose) {
  test::TrackBytes conductor;
  conductor.tempo(0, 120.0).time_signature(0, 4, 2).end(8 * 1920);
  test::TrackBytes melody, bridge, piano;
  for (int beat = 0; beat < 32; ++beat) {
    melody.on(beat == 0 ? 0 : 0, 72 + transpose + (beat % 5), 90, 0).off(480, 72 + transpose + (beat % 5), 0);
  }
  for (int bar = 0; bar < 8; ++bar) {
    bridge.on(bar == 0 ? 0 : 0, 64 + transpose, 70, 1).off(1920, 64 + transpose, 1);
    piano.on(0, 48 + transpose, 60, 2)
        .on(0, 55 + transpose, 60, 2)
        .off(1920, 48 + transpose, 2)
        .off(0, 55 + transpose, 2);
  }
  melody.end();
  bridge.end();
  piano.end();
  return test::smf_bytes(1, 480, {conductor, melody, bridge, piano});
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

void write(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

fs::path make_pop909(const std::string& tag) {
  const fs::path root = test::temp_dir(tag);
  for (int song = 1; song <= 3; ++song) {
    const std::string id = fmt::format("{:03d}", song);
    const fs::path dir = root / "POP909" / id;
    write(dir / (id + ".mid"), three_track_song(song));
    // Song 2 changes key at 8 s (bar 5 at 120 BPM): E minor, then G major.
    write(dir / "key_audio.txt", song == 2 ? "0.42\t8.0\tE:min\n8.0\t16.0\tG:maj\n" : "0.1\t16.0\tEb:maj\n");
    write(dir / "beat_midi.txt", "0.0 1.0 1.0\n");
  }
  return root;
}

TokenizerConfig key_tokenizer() {
  TokenizerConfig c;
  c.use_key = true;
  c.emotion_token = false;
  return c;
}

TEST(Unlabelled, Pop909SongsLoadAsOneUnlabelledPartWithAnnotatedKeys) {
  const fs::path root = make_pop909("pop909");
  DatasetOptions options;
  options.tokenizer = key_tokenizer();
  options.cache_dir = "none";
  Dataset ds = Dataset::load(root, options);
  EXPECT_EQ(ds.layout(), "pop909");
  ASSERT_EQ(ds.items().size(), 3u) << (ds.skipped().empty() ? "" : ds.skipped()[0].reason);
  auto tok = Tokenizer::create(options.tokenizer);
  for (const auto& item : ds.items()) {
    EXPECT_FALSE(item.labelled) << item.name;
    // All three tracks are in the part: 32 melody + 8 bridge + 16 piano notes.
    Score decoded = tok->decode(item.tokens);
    EXPECT_EQ(decoded.notes.size(), 56u) << item.name;
    EXPECT_EQ(decoded.warnings.invalid_tokens, 0);
    for (int32_t id : item.tokens) EXPECT_FALSE(tok->emotion_of(id).has_value());
  }
  const auto& two = ds.items()[1];
  EXPECT_EQ(two.name, "pop909_002");
  EXPECT_EQ(tok->token_to_string(two.tokens[1]), "Key_E_minor");
  Score decoded = tok->decode(two.tokens);
  ASSERT_EQ(decoded.keys.size(), 2u);
  EXPECT_EQ(decoded.keys[1].tick, 4 * 1920);  // bar 5 at the decoder's 480 ticks per beat
  EXPECT_EQ(decoded.keys[1].tonic, 7);
  EXPECT_TRUE(decoded.keys[1].major);
  EXPECT_EQ(tok->token_to_string(ds.items()[0].tokens[1]), "Key_Eb_major");
}

TEST(Unlabelled, KeyAnnotationIsPartOfTheCacheKey) {
  const fs::path root = make_pop909("pop909cache");
  const fs::path cache = test::temp_dir("pop909cache-tokens");
  DatasetOptions options;
  options.tokenizer = key_tokenizer();
  options.cache_dir = cache;
  Dataset first = Dataset::load(root, options);
  EXPECT_EQ(first.cache_hits(), 0);
  EXPECT_EQ(Dataset::load(root, options).cache_hits(), 3);
  write(root / "POP909" / "001" / "key_audio.txt", "0.0\t16.0\tA:min\n");
  Dataset changed = Dataset::load(root, options);
  EXPECT_EQ(changed.cache_hits(), 2);
  auto tok = Tokenizer::create(options.tokenizer);
  EXPECT_EQ(tok->token_to_string(changed.items()[0].tokens[1]), "Key_A_minor");
}

TEST(Unlabelled, MalformedKeyAnnotationNamesTheLine) {
  const fs::path root = make_pop909("pop909bad");
  write(root / "POP909" / "003" / "key_audio.txt", "0.0\t8.0\tE:min\n8.0\t16.0\tH:maj\n");
  DatasetOptions options;
  options.tokenizer = key_tokenizer();
  options.cache_dir = "none";
  Dataset ds = Dataset::load(root, options);
  ASSERT_EQ(ds.items().size(), 2u);
  ASSERT_EQ(ds.skipped().size(), 1u);
  EXPECT_NE(ds.skipped()[0].reason.find("key_audio.txt line 2"), std::string::npos) << ds.skipped()[0].reason;
}

TEST(Unlabelled, AnyFolderOfMidiFilesIsUnlabelled) {
  const fs::path root = test::temp_dir("plainfolder");
  write(root / "a" / "one.mid", three_track_song(0));
  write(root / "two.midi", three_track_song(3));
  detail::DatasetLayout layout = detail::scan_dataset_layout(root);
  EXPECT_EQ(layout.kind, "unlabelled");
  ASSERT_EQ(layout.entries.size(), 2u);
  for (const auto& e : layout.entries) EXPECT_FALSE(e.labelled);
  DatasetOptions options;
  options.cache_dir = "none";
  Dataset ds = Dataset::load(root, options);
  ASSERT_EQ(ds.items().size(), 2u);
  for (const auto& item : ds.items()) EXPECT_FALSE(item.labelled);
}

TEST(Unlabelled, RealPop909FirstSongReadsAsOnePart) {
  const fs::path song = test::emopia_dir().parent_path() / "pop909" / "POP909" / "001" / "001.mid";
  if (!fs::exists(song)) {
    if (std::getenv("EMOPIANO_REQUIRE_DATA")) FAIL() << "POP909 data missing at " << song;
    GTEST_SKIP() << "POP909 not found";
  }
  Score s = read_midi_file(song);
  int channels[16] = {};
  for (const Note& n : s.notes) ++channels[n.channel];
  EXPECT_GT(channels[0], 0);  // MELODY
  EXPECT_GT(channels[1], 0);  // BRIDGE
  EXPECT_GT(channels[2], 0);  // PIANO
  auto keys = detail::read_key_annotation(song.parent_path() / "key_audio.txt", s);
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys[0].tick, 0);
}

}  // namespace
}  // namespace emopiano
