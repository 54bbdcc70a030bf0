#include <gtest/gtest.h>

#include <fstream>

#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "midi/smf_bytes.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

using test::smf_bytes;
using test::TrackBytes;

Score read(const std::vector<uint8_t>& bytes, const MidiReadOptions& options = {}) {
  return read_midi_bytes(bytes.data(), bytes.size(), options, "test.mid");
}

TEST(MidiReader, Format0NotesTempoAndTicks) {
  TrackBytes t;
  t.tempo(0, 100).on(0, 60, 90).on(0, 64, 70).off(480, 60).off(0, 64).on(0, 67).off(240, 67).end();
  Score s = read(smf_bytes(0, 480, {t}));
  EXPECT_EQ(s.ticks_per_beat, 480);
  ASSERT_EQ(s.notes.size(), 3u);
  EXPECT_EQ(s.notes[0].pitch, 60);
  EXPECT_EQ(s.notes[0].velocity, 90);
  EXPECT_EQ(s.notes[0].start_tick, 0);
  EXPECT_EQ(s.notes[0].end_tick, 480);
  EXPECT_EQ(s.notes[1].pitch, 64);
  EXPECT_EQ(s.notes[2].start_tick, 480);
  EXPECT_EQ(s.notes[2].end_tick, 720);
  ASSERT_EQ(s.tempos.size(), 1u);
  EXPECT_NEAR(s.tempos[0].bpm, 100.0, 1e-3);
  EXPECT_NEAR(s.notes[2].end_seconds, 720.0 / 480 * 0.6, 1e-6);
  EXPECT_FALSE(s.warnings.any()) << s.warnings.to_string();
}

TEST(MidiReader, Format1ConductorAndPianoTracks) {
  TrackBytes conductor;
  conductor.tempo(0, 120).time_signature(0, 3, 2).end();
  TrackBytes piano;
  piano.on(10, 72).off(90, 72).end();
  Score s = read(smf_bytes(1, 96, {conductor, piano}));
  EXPECT_EQ(s.ticks_per_beat, 96);
  ASSERT_EQ(s.notes.size(), 1u);
  EXPECT_EQ(s.notes[0].start_tick, 10);
  EXPECT_EQ(s.notes[0].end_tick, 100);
  ASSERT_EQ(s.time_signatures.size(), 1u);
  EXPECT_EQ(s.time_signatures[0].numerator, 3);
  EXPECT_EQ(s.time_signatures[0].denominator, 4);
}

TEST(MidiReader, RunningStatusAndVelocityZeroNoteOff) {
  TrackBytes t;
  // One 0x90 status, then data bytes only; velocity 0 releases.
  t.event(0, {0x90, 60, 100}).raw({0x00, 62, 101}).raw({0x81, 0x00, 60, 0}).raw({0x00, 62, 0}).end();
  Score s = read(smf_bytes(0, 480, {t}));
  ASSERT_EQ(s.notes.size(), 2u);
  EXPECT_EQ(s.notes[0].pitch, 60);
  EXPECT_EQ(s.notes[0].end_tick, 128);
  EXPECT_EQ(s.notes[1].pitch, 62);
  EXPECT_EQ(s.notes[1].velocity, 101);
  EXPECT_EQ(s.notes[1].end_tick, 128);
  EXPECT_FALSE(s.warnings.any());
}

TEST(MidiReader, TempoChangeMovesSeconds) {
  TrackBytes conductor;
  conductor.tempo(0, 120).tempo(960, 60).end();  // two beats at 120 = 1 s, then 1 s per beat
  TrackBytes piano;
  piano.on(0, 60).off(480, 60).on(480, 62).off(480, 62).end();
  Score s = read(smf_bytes(1, 480, {conductor, piano}));
  ASSERT_EQ(s.tempos.size(), 2u);
  EXPECT_EQ(s.tempos[1].tick, 960);
  EXPECT_NEAR(s.tempos[1].seconds, 1.0, 1e-9);
  ASSERT_EQ(s.notes.size(), 2u);
  EXPECT_NEAR(s.notes[0].end_seconds, 0.5, 1e-9);
  EXPECT_NEAR(s.notes[1].start_seconds, 1.0, 1e-9);
  EXPECT_NEAR(s.notes[1].end_seconds, 2.0, 1e-9);
  EXPECT_NEAR(s.duration_seconds(), 2.0, 1e-9);
}

TEST(MidiReader, MissingTempoMeansDefaults) {
  TrackBytes t;
  t.on(0, 60).off(480, 60).end();
  Score s = read(smf_bytes(0, 480, {t}));
  ASSERT_EQ(s.tempos.size(), 1u);
  EXPECT_EQ(s.tempos[0].bpm, 120.0);
  ASSERT_EQ(s.time_signatures.size(), 1u);
  EXPECT_EQ(s.time_signatures[0].numerator, 4);
  EXPECT_NEAR(s.notes[0].end_seconds, 0.5, 1e-9);
}

TEST(MidiReader, TimeSignatureChanges) {
  TrackBytes t;
  t.time_signature(0, 4, 2).time_signature(1920, 6, 3).on(0, 60).off(10, 60).end();
  Score s = read(smf_bytes(0, 480, {t}));
  ASSERT_EQ(s.time_signatures.size(), 2u);
  EXPECT_EQ(s.time_signatures[1].tick, 1920);
  EXPECT_EQ(s.time_signatures[1].numerator, 6);
  EXPECT_EQ(s.time_signatures[1].denominator, 8);
}

TEST(MidiReader, PedalKeepsStateChangesWithRawValues) {
  TrackBytes t;
  t.pedal(0, 10).pedal(10, 100).pedal(10, 127).pedal(10, 20).pedal(10, 0).pedal(10, 64).on(0, 60).off(5, 60).end();
  Score s = read(smf_bytes(0, 480, {t}));
  ASSERT_EQ(s.pedal.size(), 3u);  // 10 is "up" at the start: no change
  EXPECT_TRUE(s.pedal[0].down);
  EXPECT_EQ(s.pedal[0].tick, 10);
  EXPECT_EQ(s.pedal[0].value, 100);
  EXPECT_FALSE(s.pedal[1].down);
  EXPECT_EQ(s.pedal[1].tick, 30);
  EXPECT_EQ(s.pedal[1].value, 20);
  EXPECT_TRUE(s.pedal[2].down);
  EXPECT_EQ(s.pedal[2].value, 64);
}

TEST(MidiReader, ApplySustainPedalOption) {
  TrackBytes t;
  t.pedal(0, 127).on(0, 60).off(100, 60).pedal(200, 0).on(0, 64).off(10, 64).end();
  const auto bytes = smf_bytes(0, 480, {t});
  Score raw = read(bytes);
  ASSERT_EQ(raw.notes.size(), 2u);
  EXPECT_EQ(raw.notes[0].end_tick, 100);
  MidiReadOptions o;
  o.apply_sustain_pedal = true;
  Score held = read(bytes, o);
  ASSERT_EQ(held.notes.size(), 2u);
  EXPECT_EQ(held.notes[0].end_tick, 300);
  EXPECT_EQ(held.notes[1].end_tick, 310);  // released after the pedal: unchanged
  EXPECT_NEAR(held.notes[0].end_seconds, 300.0 / 480 * 0.5, 1e-9);
}

TEST(MidiReader, RetriggeredKeyClosesFirstNote) {
  TrackBytes t;
  t.on(0, 60, 50).on(100, 60, 90).off(100, 60).end();
  Score s = read(smf_bytes(0, 480, {t}));
  ASSERT_EQ(s.notes.size(), 2u);
  EXPECT_EQ(s.notes[0].end_tick, 100);
  EXPECT_EQ(s.notes[0].velocity, 50);
  EXPECT_EQ(s.notes[1].start_tick, 100);
  EXPECT_EQ(s.notes[1].end_tick, 200);
  EXPECT_EQ(s.warnings.retriggered_notes, 1);
}

TEST(MidiReader, OrphanNoteOffIsSkipped) {
  TrackBytes t;
  t.off(0, 61).on(0, 60).off(10, 60).off(10, 60).end();
  Score s = read(smf_bytes(0, 480, {t}));
  EXPECT_EQ(s.notes.size(), 1u);
  EXPECT_EQ(s.warnings.orphan_note_offs, 2);
  EXPECT_EQ(s.warnings.to_string(), "orphan note-offs 2");
}

TEST(MidiReader, UnreleasedNoteClosedAtEndOfTrack) {
  TrackBytes t;
  t.on(0, 60).on(10, 62).off(10, 62).end(500);
  Score s = read(smf_bytes(0, 480, {t}));
  ASSERT_EQ(s.notes.size(), 2u);
  EXPECT_EQ(s.notes[0].pitch, 60);
  EXPECT_EQ(s.notes[0].end_tick, 520);
  EXPECT_EQ(s.warnings.unreleased_notes, 1);
}

TEST(MidiReader, ZeroLengthNoteKeptOneTickLong) {
  TrackBytes t;
  t.on(5, 60).off(0, 60).end();
  Score s = read(smf_bytes(0, 480, {t}));
  ASSERT_EQ(s.notes.size(), 1u);
  EXPECT_EQ(s.notes[0].start_tick, 5);
  EXPECT_EQ(s.notes[0].end_tick, 6);
  EXPECT_EQ(s.warnings.zero_length_notes, 1);
}

TEST(MidiReader, DrumChannelExcludedUnlessAsked) {
  TrackBytes t;
  t.on(0, 36, 100, 9).on(0, 60).off(10, 36, 9).off(0, 60).end();
  const auto bytes = smf_bytes(0, 480, {t});
  Score s = read(bytes);
  ASSERT_EQ(s.notes.size(), 1u);
  EXPECT_EQ(s.notes[0].pitch, 60);
  EXPECT_EQ(s.warnings.drum_notes_skipped, 1);
  MidiReadOptions keep;
  keep.exclude_drums = false;
  Score all = read(bytes, keep);
  ASSERT_EQ(all.notes.size(), 2u);
  EXPECT_EQ(all.notes[0].channel, 9);
  EXPECT_EQ(all.warnings.drum_notes_skipped, 0);
}

TEST(MidiReader, ChannelsPairSeparately) {
  TrackBytes t;
  t.on(0, 60, 80, 0).on(0, 60, 80, 1).off(10, 60, 1).off(10, 60, 0).end();
  Score s = read(smf_bytes(0, 480, {t}));
  ASSERT_EQ(s.notes.size(), 2u);
  for (const auto& n : s.notes) EXPECT_EQ(n.end_tick, n.channel == 1 ? 10 : 20);
  EXPECT_FALSE(s.warnings.any());
}

TEST(MidiReader, FileNameWithDotsAndNonAscii) {
  TrackBytes t;
  t.on(0, 60).off(10, 60).end();
  const auto bytes = smf_bytes(0, 480, {t});
  const auto path = test::temp_dir("reader") / u8"Chopin.Op.28.№4 – e moll.v2.mid";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  Score s = read_midi_file(path);
  EXPECT_EQ(s.notes.size(), 1u);
}

TEST(MidiReader, MissingFileIsIoErrorNamingPath) {
  const auto path = test::temp_dir("reader") / "no.such.file.mid";
  try {
    read_midi_file(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("no.such.file.mid"), std::string::npos) << e.what();
  }
}

TEST(MidiReader, DirectoryIsIoError) {
  try {
    read_midi_file(test::temp_dir("reader"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
  }
}

void expect_format_error_naming_file(const std::vector<uint8_t>& bytes, const char* expected_reason) {
  const auto path = test::temp_dir("reader") / "broken.song.mid";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  try {
    read_midi_file(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    const std::string what = e.what();
    EXPECT_NE(what.find("broken.song.mid"), std::string::npos) << what;
    EXPECT_NE(what.find(expected_reason), std::string::npos) << what;
  }
}

TEST(MidiReader, NonMidiInputIsFormatError) {
  const std::string text = "RIFF this is a wave file, not MIDI";
  expect_format_error_naming_file(std::vector<uint8_t>(text.begin(), text.end()), "no MThd header");
  expect_format_error_naming_file({}, "no MThd header");
}

TEST(MidiReader, TruncatedFileIsFormatError) {
  TrackBytes t;
  t.on(0, 60).off(10, 60).end();
  auto bytes = smf_bytes(0, 480, {t});
  bytes.resize(bytes.size() - 5);
  expect_format_error_naming_file(bytes, "runs past the end of the file");
  bytes.resize(16);
  expect_format_error_naming_file(bytes, "cut short");
}

}  // namespace
}  // namespace emopiano
