#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include <sys/stat.h>

#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "midi/mido_reference.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

Score example_score() {
  Score s;
  s.ticks_per_beat = 384;
  s.tempos = {{0, 0.0, 90.0}, {1536, 0.0, 140.0}};
  s.time_signatures = {{0, 3, 4}, {1152, 6, 8}};
  const int pitches[] = {48, 60, 64, 67, 72, 60, 62, 21, 108};
  int64_t t = 0;
  for (int i = 0; i < 9; ++i) {
    Note n;
    n.pitch = pitches[i];
    n.velocity = 20 + i * 10;
    n.start_tick = t;
    n.end_tick = t + 100 + i * 37;
    s.notes.push_back(n);
    t += (i % 3 == 0) ? 0 : 250;  // some chords
  }
  s.pedal = {{10, 0.0, true, 100}, {700, 0.0, false, 0}, {900, 0.0, true, 127}, {1500, 0.0, false, 12}};
  s.normalize();
  s.update_seconds();
  return s;
}

TEST(MidiWriter, RoundTripKeepsEverything) {
  const Score in = example_score();
  const auto bytes = write_midi_bytes(in);
  ASSERT_GT(bytes.size(), 14u);
  const Score out = read_midi_bytes(bytes.data(), bytes.size());
  EXPECT_EQ(out.ticks_per_beat, 384);
  ASSERT_EQ(out.notes.size(), in.notes.size());
  for (size_t i = 0; i < in.notes.size(); ++i) {
    EXPECT_EQ(out.notes[i].pitch, in.notes[i].pitch) << i;
    EXPECT_EQ(out.notes[i].velocity, in.notes[i].velocity) << i;
    EXPECT_EQ(out.notes[i].start_tick, in.notes[i].start_tick) << i;
    EXPECT_EQ(out.notes[i].end_tick, in.notes[i].end_tick) << i;
    // Tempo is stored as whole microseconds per beat: 140 BPM drifts ~1 us per beat.
    EXPECT_NEAR(out.notes[i].end_seconds, in.notes[i].end_seconds, 1e-5) << i;
  }
  ASSERT_EQ(out.tempos.size(), 2u);
  EXPECT_EQ(out.tempos[1].tick, 1536);
  EXPECT_NEAR(out.tempos[1].bpm, 140.0, 0.01);  // microseconds per beat are whole numbers
  ASSERT_EQ(out.time_signatures.size(), 2u);
  EXPECT_EQ(out.time_signatures[1].numerator, 6);
  EXPECT_EQ(out.time_signatures[1].denominator, 8);
  ASSERT_EQ(out.pedal.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(out.pedal[i].tick, in.pedal[i].tick);
    EXPECT_EQ(out.pedal[i].down, in.pedal[i].down);
    EXPECT_EQ(out.pedal[i].value, in.pedal[i].value);
  }
  EXPECT_FALSE(out.warnings.any()) << out.warnings.to_string();
}

TEST(MidiWriter, FileAndBytesAgreeAndNoTemporaryIsLeft) {
  const Score in = example_score();
  const auto dir = test::temp_dir("writer");
  const auto path = dir / u8"out.take.2 – ü.mid";
  write_midi_file(in, path);
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> file_bytes((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(file_bytes, write_midi_bytes(in));
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);
  // Overwriting an existing file works and still leaves one file.
  write_midi_file(in, path);
  entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);
}

// A MIDI file is a user's document: its mode is what the umask leaves of
// 0666, as for any file a program creates (it used to be mkstemp's 0600).
TEST(MidiWriter, FileModeFollowsTheUmask) {
  const auto dir = test::temp_dir("midi-mode");
  const mode_t old = ::umask(022);
  write_midi_file(example_score(), dir / "piece.mid");
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "piece.mid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(MidiWriter, UnwritableDirectoryIsIoErrorAndLeavesNothing) {
  const auto path = test::temp_dir("writer") / "missing-dir" / "x.mid";
  try {
    write_midi_file(example_score(), path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("missing-dir"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path.parent_path()));
}

TEST(MidiWriter, InvalidScoreIsRejectedBeforeWriting) {
  Score s = example_score();
  s.notes[0].pitch = 128;
  const auto path = test::temp_dir("writer") / "bad.mid";
  EXPECT_THROW(write_midi_file(s, path), Error);
  EXPECT_FALSE(std::filesystem::exists(path));
  Score t = example_score();
  t.ticks_per_beat = 0;
  try {
    write_midi_bytes(t);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
}

TEST(MidiWriter, OverlappingSameKeyNotesStaySeparate) {
  Score s;
  s.ticks_per_beat = 480;
  s.notes = {{60, 80, 0, 300}, {60, 90, 100, 200}};
  const auto bytes = write_midi_bytes(s);
  const Score out = read_midi_bytes(bytes.data(), bytes.size());
  ASSERT_EQ(out.notes.size(), 2u);
  EXPECT_EQ(out.notes[0].end_tick, 100);  // released where the key is struck again
  EXPECT_EQ(out.notes[1].start_tick, 100);
  EXPECT_EQ(out.notes[1].end_tick, 200);
  EXPECT_FALSE(out.warnings.any()) << out.warnings.to_string();
}

TEST(MidiWriter, MidoReadsWhatWeWrite) {
  if (test::mido_python().empty()) EMOPIANO_MISSING("python3 with mido");
  const Score in = example_score();
  const auto path = test::temp_dir("writer") / "for.mido.mid";
  write_midi_file(in, path);
  const auto mido = test::read_with_mido(path);
  ASSERT_TRUE(mido.has_value());
  EXPECT_EQ(mido->ticks_per_beat, in.ticks_per_beat);
  ASSERT_EQ(mido->notes.size(), in.notes.size());
  for (size_t i = 0; i < in.notes.size(); ++i) {
    EXPECT_EQ(mido->notes[i].pitch, in.notes[i].pitch) << i;
    EXPECT_EQ(mido->notes[i].velocity, in.notes[i].velocity) << i;
    EXPECT_EQ(mido->notes[i].start, in.notes[i].start_tick) << i;
    EXPECT_EQ(mido->notes[i].end, in.notes[i].end_tick) << i;
  }
}

}  // namespace
}  // namespace emopiano
