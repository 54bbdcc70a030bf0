// Each metric on small hand-built scores whose answers can be worked out by hand.
#include <cmath>

#include <gtest/gtest.h>

#include "emopiano/metrics.hpp"

namespace emopiano {
namespace {

constexpr int kTpb = 480;

// Adds a note from beat `start` lasting `beats` beats.
void add(Score& s, int pitch, double start, double beats, int velocity = 80) {
  Note n;
  n.pitch = pitch;
  n.velocity = velocity;
  n.start_tick = static_cast<int64_t>(start * kTpb);
  n.end_tick = static_cast<int64_t>((start + beats) * kTpb);
  s.notes.push_back(n);
}

Score make_score() {
  Score s;
  s.ticks_per_beat = kTpb;
  s.tempos = {TempoChange{0, 0.0, 120.0}};
  s.time_signatures = {TimeSignature{0, 4, 4}};
  return s;
}

Score finish(Score s) {
  s.normalize();
  s.update_seconds();
  return s;
}

TEST(Metrics, MajorScaleInQuarterNotes) {
  Score s = make_score();
  int pitches[] = {60, 62, 64, 65, 67, 69, 71};
  for (int i = 0; i < 7; ++i) add(s, pitches[i], i, 1.0);
  MusicMetrics m = compute_metrics(finish(s));
  EXPECT_EQ(m.notes, 7);
  EXPECT_EQ(m.pitch_range, 11);
  EXPECT_EQ(m.pitches_used, 7);
  EXPECT_EQ(m.pitch_classes_used, 7);
  EXPECT_DOUBLE_EQ(m.scale_consistency, 1.0);
  EXPECT_NEAR(m.pitch_entropy, std::log2(7.0), 1e-12);
  EXPECT_NEAR(m.pitch_class_entropy, std::log2(7.0), 1e-12);
  EXPECT_DOUBLE_EQ(m.polyphony, 1.0);
  EXPECT_DOUBLE_EQ(m.polyphony_rate, 0.0);
  EXPECT_DOUBLE_EQ(m.empty_beat_rate, 0.0);
  EXPECT_EQ(m.bars, 2);  // 7 beats of 4/4
  EXPECT_NEAR(m.duration_seconds, 3.5, 1e-9);
  EXPECT_NEAR(m.notes_per_second, 2.0, 1e-9);
  EXPECT_NEAR(m.notes_per_bar, 3.5, 1e-9);
  EXPECT_NEAR(m.note_duration_mean_seconds, 0.5, 1e-9);
  EXPECT_NEAR(m.tempo_bpm, 120.0, 1e-9);
}

TEST(Metrics, ChromaticNotesLowerScaleConsistency) {
  Score s = make_score();
  for (int i = 0; i < 12; ++i) add(s, 60 + i, i, 1.0);
  MusicMetrics m = compute_metrics(finish(s));
  EXPECT_NEAR(m.scale_consistency, 7.0 / 12.0, 1e-12);
  EXPECT_NEAR(m.pitch_class_entropy, std::log2(12.0), 1e-12);
}

TEST(Metrics, PolyphonyOfChordThenSingleNote) {
  Score s = make_score();
  add(s, 60, 0, 1);
  add(s, 64, 0, 1);
  add(s, 67, 0, 1);
  add(s, 72, 1, 1);
  MusicMetrics m = compute_metrics(finish(s));
  EXPECT_NEAR(m.polyphony, 2.0, 1e-12);       // (3 + 1) / 2 beats sounding
  EXPECT_NEAR(m.polyphony_rate, 0.5, 1e-12);  // more than 2 pitches in 1 of 2 beats
}

TEST(Metrics, UnisonDoublingCountsOncePerPitch) {
  Score s = make_score();
  add(s, 60, 0, 2);
  add(s, 60, 1, 1);  // the same key again while it sounds: still one pitch
  MusicMetrics m = compute_metrics(finish(s));
  EXPECT_NEAR(m.polyphony, 1.0, 1e-12);
}

TEST(Metrics, EmptyBeatRate) {
  Score s = make_score();
  add(s, 60, 0, 1);
  add(s, 62, 3, 1);
  MusicMetrics m = compute_metrics(finish(s));
  EXPECT_NEAR(m.empty_beat_rate, 0.5, 1e-12);  // beats 1 and 2 of 4 are silent
}

TEST(Metrics, GrooveConsistency) {
  Score same = make_score();
  for (int bar = 0; bar < 3; ++bar)
    for (int beat = 0; beat < 4; ++beat) add(same, 60, bar * 4 + beat, 1);
  EXPECT_NEAR(compute_metrics(finish(same)).groove_consistency, 1.0, 1e-12);

  Score differ = make_score();
  for (int beat = 0; beat < 4; ++beat) add(differ, 60, beat, 1);  // onsets 0 4 8 12 of 16
  add(differ, 60, 4, 2);                                          // onsets 0 8
  add(differ, 60, 6, 2);
  // One pair of bars, Hamming distance 2 over 16 grid steps.
  EXPECT_NEAR(compute_metrics(finish(differ)).groove_consistency, 1.0 - 2.0 / 16.0, 1e-12);
}

TEST(Metrics, VelocityMeanAndSpread) {
  Score s = make_score();
  int v[] = {40, 60, 80, 100};
  for (int i = 0; i < 4; ++i) add(s, 60 + i, i, 1, v[i]);
  MusicMetrics m = compute_metrics(finish(s));
  EXPECT_NEAR(m.velocity_mean, 70.0, 1e-12);
  EXPECT_NEAR(m.velocity_std, std::sqrt(500.0), 1e-9);
}

TEST(Metrics, TempoIsTimeWeighted) {
  Score s = make_score();
  s.tempos.push_back(TempoChange{2 * kTpb, 0.0, 60.0});
  add(s, 60, 0, 4);
  MusicMetrics m = compute_metrics(finish(s));
  EXPECT_NEAR(m.tempo_bpm, 90.0, 1e-9);              // 2 beats at 120, 2 at 60
  EXPECT_NEAR(m.duration_seconds, 1.0 + 2.0, 1e-9);  // 2 beats of 0.5 s, 2 of 1 s
}

TEST(Metrics, KeyEstimateFindsMajorAndMinor) {
  Score c = make_score();
  add(c, 60, 0, 4);  // C, E, G long; the other scale notes short
  add(c, 64, 4, 2);
  add(c, 67, 6, 2);
  add(c, 62, 8, 1);
  add(c, 65, 9, 1);
  add(c, 69, 10, 1);
  add(c, 71, 11, 1);
  KeyEstimate kc = estimate_key(finish(c));
  EXPECT_EQ(kc.name(), "C major");
  EXPECT_GT(kc.correlation, 0.7);

  Score a = make_score();
  add(a, 57, 0, 4);  // A, C, E long; G# leading tone
  add(a, 60, 4, 2);
  add(a, 64, 6, 2);
  add(a, 59, 8, 1);
  add(a, 62, 9, 1);
  add(a, 65, 10, 1);
  add(a, 68, 11, 1);
  KeyEstimate ka = estimate_key(finish(a));
  EXPECT_EQ(ka.name(), "A minor");
  EXPECT_FALSE(ka.major);

  // Transposing moves the tonic with it.
  Score d = c;
  for (auto& n : d.notes) n.pitch += 2;
  EXPECT_EQ(estimate_key(finish(d)).name(), "D major");
}

TEST(Metrics, EmptyScoreIsDefinedWhereItCanBe) {
  MusicMetrics m = compute_metrics(finish(make_score()));
  EXPECT_EQ(m.notes, 0);
  EXPECT_EQ(m.pitch_range, 0);
  EXPECT_TRUE(std::isnan(m.polyphony));
  EXPECT_TRUE(std::isnan(m.scale_consistency));
  EXPECT_EQ(m.duration_seconds, 0.0);
  EXPECT_NE(m.to_json().find("\"polyphony\":null"), std::string::npos);
}

TEST(Metrics, SummaryMeansAndSpreads) {
  Score slow = make_score();
  add(slow, 60, 0, 1);
  add(slow, 62, 1, 1);
  Score fast = make_score();
  for (int i = 0; i < 4; ++i) add(fast, 57 + i, i * 0.5, 0.5);
  std::vector<MusicMetrics> ms = {compute_metrics(finish(slow)), compute_metrics(finish(fast))};
  MetricsSummary s = summarize_metrics(ms);
  EXPECT_EQ(s.pieces, 2);
  EXPECT_NEAR(s.mean.at("notes_per_second"), 3.0, 1e-9);  // 2 and 4 notes per second
  EXPECT_NEAR(s.stddev.at("notes_per_second"), 1.0, 1e-9);
  EXPECT_NEAR(s.mean.at("notes"), 3.0, 1e-12);
  EXPECT_NEAR(s.major_share, (ms[0].key.major + ms[1].key.major) / 2.0, 1e-12);
}

}  // namespace
}  // namespace emopiano
