#include <gtest/gtest.h>

#include "emopiano/score.hpp"

namespace emopiano {
namespace {

Note note(int pitch, int64_t start, int64_t end, int channel = 0) {
  Note n;
  n.pitch = pitch;
  n.start_tick = start;
  n.end_tick = end;
  n.channel = channel;
  return n;
}

TEST(Score, TickToSecondsDefaultsTo120Bpm) {
  Score s;
  s.ticks_per_beat = 480;
  EXPECT_DOUBLE_EQ(s.tick_to_seconds(0), 0.0);
  EXPECT_DOUBLE_EQ(s.tick_to_seconds(960), 1.0);
}

TEST(Score, TickToSecondsFollowsTempoMap) {
  Score s;
  s.ticks_per_beat = 100;
  s.tempos = {{0, 0.0, 60.0}, {200, 0.0, 120.0}, {400, 0.0, 30.0}};
  EXPECT_DOUBLE_EQ(s.tick_to_seconds(100), 1.0);
  EXPECT_DOUBLE_EQ(s.tick_to_seconds(200), 2.0);
  EXPECT_DOUBLE_EQ(s.tick_to_seconds(300), 2.5);
  EXPECT_DOUBLE_EQ(s.tick_to_seconds(400), 3.0);
  EXPECT_DOUBLE_EQ(s.tick_to_seconds(450), 4.0);
}

TEST(Score, TempoAfterStartLeavesDefaultBeforeIt) {
  Score s;
  s.ticks_per_beat = 100;
  s.tempos = {{100, 0.0, 60.0}};
  EXPECT_DOUBLE_EQ(s.tick_to_seconds(100), 0.5);
  EXPECT_DOUBLE_EQ(s.tick_to_seconds(200), 1.5);
}

TEST(Score, UpdateSecondsMatchesTickToSeconds) {
  Score s;
  s.ticks_per_beat = 96;
  s.tempos = {{0, 0.0, 73.0}, {500, 0.0, 151.0}, {1200, 0.0, 44.0}};
  for (int i = 0; i < 20; ++i) s.notes.push_back(note(60, i * 97, i * 97 + 131));
  s.pedal = {{650, 0.0, true, 90}};
  s.update_seconds();
  for (const auto& n : s.notes) {
    EXPECT_NEAR(n.start_seconds, s.tick_to_seconds(n.start_tick), 1e-12);
    EXPECT_NEAR(n.end_seconds, s.tick_to_seconds(n.end_tick), 1e-12);
  }
  EXPECT_NEAR(s.tempos[2].seconds, s.tick_to_seconds(1200), 1e-12);
  EXPECT_NEAR(s.pedal[0].seconds, s.tick_to_seconds(650), 1e-12);
}

TEST(Score, EndTickAndDuration) {
  Score s;
  s.ticks_per_beat = 480;
  EXPECT_EQ(s.end_tick(), 0);
  s.notes = {note(60, 0, 480), note(62, 100, 300)};
  EXPECT_EQ(s.end_tick(), 480);
  s.pedal = {{960, 0.0, false, 0}};
  EXPECT_EQ(s.end_tick(), 960);
  EXPECT_DOUBLE_EQ(s.duration_seconds(), 1.0);
}

TEST(Score, NormalizeSortsAndAddsDefaults) {
  Score s;
  s.notes = {note(64, 10, 20), note(60, 10, 30), note(50, 0, 5)};
  s.pedal = {{30, 0.0, false, 0}, {5, 0.0, true, 127}};
  s.tempos = {{100, 0.0, 90.0}, {100, 0.0, 100.0}};
  s.normalize();
  EXPECT_EQ(s.notes[0].pitch, 50);
  EXPECT_EQ(s.notes[1].pitch, 60);
  EXPECT_EQ(s.notes[2].pitch, 64);
  EXPECT_EQ(s.pedal[0].tick, 5);
  ASSERT_EQ(s.tempos.size(), 2u);
  EXPECT_EQ(s.tempos[0].tick, 0);
  EXPECT_EQ(s.tempos[0].bpm, 120.0);
  EXPECT_EQ(s.tempos[1].bpm, 100.0);  // the later of two changes on one tick wins
  ASSERT_EQ(s.time_signatures.size(), 1u);
  EXPECT_EQ(s.time_signatures[0].numerator, 4);
  EXPECT_EQ(s.time_signatures[0].denominator, 4);
}

TEST(Score, SustainExtendsToPedalRelease) {
  Score s;
  s.ticks_per_beat = 480;
  s.notes = {note(60, 0, 100), note(64, 0, 500), note(67, 400, 450)};
  s.pedal = {{50, 0.0, true, 127}, {300, 0.0, false, 0}, {420, 0.0, true, 100}, {600, 0.0, false, 0}};
  s.apply_sustain_pedal();
  EXPECT_EQ(s.notes[0].end_tick, 300);  // released under the pedal
  EXPECT_EQ(s.notes[1].end_tick, 600);  // released during the second press
  EXPECT_EQ(s.notes[2].end_tick, 600);
  EXPECT_NEAR(s.notes[0].end_seconds, 300.0 / 480 * 0.5, 1e-12);
  EXPECT_EQ(s.pedal.size(), 4u);  // kept until clear_pedal()
  s.clear_pedal();
  EXPECT_TRUE(s.pedal.empty());
}

TEST(Score, SustainStopsAtNextStrikeOfSameKey) {
  Score s;
  s.ticks_per_beat = 480;
  s.notes = {note(60, 0, 100), note(60, 200, 250), note(60, 200, 260, 1), note(62, 0, 100)};
  s.pedal = {{0, 0.0, true, 127}, {1000, 0.0, false, 0}};
  s.apply_sustain_pedal();
  EXPECT_EQ(s.notes[0].end_tick, 200);  // cut where key 60 is struck again
  EXPECT_EQ(s.notes[1].end_tick, 1000);
  EXPECT_EQ(s.notes[2].end_tick, 1000);  // another channel is another key
  EXPECT_EQ(s.notes[3].end_tick, 1000);
}

TEST(Score, SustainHeldToTheEndReleasesAtPieceEnd) {
  Score s;
  s.ticks_per_beat = 480;
  s.notes = {note(60, 0, 100), note(62, 0, 900)};
  s.pedal = {{10, 0.0, true, 127}};
  s.apply_sustain_pedal();
  EXPECT_EQ(s.notes[0].end_tick, 900);
  EXPECT_EQ(s.notes[1].end_tick, 900);
}

TEST(Score, NoteReleasedBeforePedalIsUnchanged) {
  Score s;
  s.ticks_per_beat = 480;
  s.notes = {note(60, 0, 100)};
  s.pedal = {{101, 0.0, true, 127}, {500, 0.0, false, 0}};
  s.apply_sustain_pedal();
  EXPECT_EQ(s.notes[0].end_tick, 100);
}

TEST(Score, WarningsToString) {
  ScoreWarnings w;
  EXPECT_FALSE(w.any());
  EXPECT_EQ(w.to_string(), "none");
  w.orphan_note_offs = 2;
  w.unreleased_notes = 1;
  EXPECT_TRUE(w.any());
  EXPECT_EQ(w.to_string(), "orphan note-offs 2, unreleased notes 1");
  w.invalid_tokens = 5;
  EXPECT_EQ(w.to_string(), "orphan note-offs 2, unreleased notes 1, invalid tokens 5");
}

}  // namespace
}  // namespace emopiano
