#include <algorithm>

#include <gtest/gtest.h>

#include "beat/beat_level.hpp"
#include "beat/synthetic_performance.hpp"

namespace emopiano {
namespace {

using beat::OnsetGroup;

std::vector<double> one_second_beats(int count) {
  std::vector<double> beats;
  for (int i = 0; i < count; ++i) beats.push_back(i);
  return beats;
}

TEST(OnsetPlacement, CountsEachPositionInTheBeat) {
  // Per beat: the beat, its half, a quarter, a 32nd-note position (1/8).
  std::vector<OnsetGroup> onsets;
  for (int b = 0; b < 4; ++b)
    for (double at : {0.0, 0.5, 0.25, 0.125}) onsets.push_back({b + at, 72});
  std::sort(onsets.begin(), onsets.end(), [](auto& x, auto& y) { return x.seconds < y.seconds; });
  const beat::OnsetPlacement p = beat::onset_placement(onsets, one_second_beats(5));
  EXPECT_EQ(p.onsets, 16);
  EXPECT_DOUBLE_EQ(p.half, 0.25);
  EXPECT_DOUBLE_EQ(p.quarter, 0.25);
  EXPECT_DOUBLE_EQ(p.eighth, 0.25);
  EXPECT_DOUBLE_EQ(p.triplet, 0.0);
  EXPECT_DOUBLE_EQ(p.bass_per_beat, 0.0);
}

TEST(OnsetPlacement, SwungEighthsAreHalvesAndEvenTripletsAreTriplets) {
  std::vector<OnsetGroup> swung, triplets;
  for (int b = 0; b < 4; ++b) {
    swung.push_back({b + 0.0, 40});  // a bass note on each beat
    swung.push_back({b + 2.0 / 3, 72});
    for (double at : {0.0, 1.0 / 3, 2.0 / 3}) triplets.push_back({b + at, 72});
  }
  const beat::OnsetPlacement s = beat::onset_placement(swung, one_second_beats(5));
  EXPECT_DOUBLE_EQ(s.half, 0.5);
  EXPECT_DOUBLE_EQ(s.triplet, 0.0);
  EXPECT_DOUBLE_EQ(s.bass_per_beat, 4.0 / 5);
  const beat::OnsetPlacement t = beat::onset_placement(triplets, one_second_beats(5));
  EXPECT_DOUBLE_EQ(t.half, 0.0);
  EXPECT_NEAR(t.triplet, 2.0 / 3, 1e-12);
}

TEST(OnsetPlacement, OnsetsOutsideTheBeatsAreLeftOut) {
  const std::vector<OnsetGroup> onsets{{-1.0, 72}, {0.5, 72}, {9.0, 72}};
  const beat::OnsetPlacement p = beat::onset_placement(onsets, one_second_beats(3));
  EXPECT_EQ(p.onsets, 1);
  EXPECT_DOUBLE_EQ(p.half, 1.0);
  EXPECT_EQ(beat::onset_placement(onsets, {1.0}).onsets, 0);
}

TEST(OnsetGroups, ChordNotesStartOneGroupWithItsLowestPitch) {
  Score score;
  score.ticks_per_beat = 480;
  score.tempos = {{0, 0.0, 120.0}};
  for (auto [pitch, start] : {std::pair{60, 1.0}, {48, 1.02}, {67, 1.2}, {50, 1.3}})
    score.notes.push_back(test::timed_note(pitch, 80, start, start + 0.1));
  score.normalize();
  score.update_seconds();
  const auto groups = beat::onset_groups(score);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_NEAR(groups[0].seconds, 1.0, 1e-3);
  EXPECT_EQ(groups[0].lowest_pitch, 48);
  EXPECT_EQ(groups[1].lowest_pitch, 67);
  EXPECT_EQ(groups[2].lowest_pitch, 50);
}

}  // namespace
}  // namespace emopiano
