#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "beat/beat_f_measure.hpp"
#include "beat/synthetic_performance.hpp"
#include "emopiano/beats.hpp"
#include "emopiano/error.hpp"

namespace emopiano {
namespace {

using test::perform;
using test::ramp_beats;
using test::steady_beats;

double median_bpm(const BeatMap& map) {
  std::vector<double> v = map.bpm;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

TEST(BeatTracker, SteadyTempoIsFoundWithItsPhase) {
  for (double bpm : {72.0, 96.0, 132.0}) {
    auto p = perform(steady_beats(bpm, 64, 0.8), 4);
    BeatMap map = track_beats(p.score);
    ASSERT_GE(map.beats.size(), 2u) << bpm;
    EXPECT_NEAR(median_bpm(map), bpm, bpm * 0.03) << bpm;
    EXPECT_GE(beat::beat_f_measure(p.beats, map.beats), 0.95) << bpm;
  }
}

TEST(BeatTracker, FollowsATempoRamp) {
  auto p = perform(ramp_beats(80, 130, 120), 4);
  BeatMap map = track_beats(p.score);
  EXPECT_GE(beat::beat_f_measure(p.beats, map.beats), 0.9);
  ASSERT_GE(map.bpm.size(), 20u);
  EXPECT_NEAR(map.bpm[5], 82, 82 * 0.08);
  EXPECT_NEAR(map.bpm[map.bpm.size() - 6], 129, 129 * 0.08);
}

TEST(BeatTracker, FindsDownbeatsAfterAPickup) {
  auto p = perform(steady_beats(100, 65, 0.4), 4, /*pickup=*/1);
  BeatMap map = track_beats(p.score);
  EXPECT_EQ(map.metre, 4);
  EXPECT_GE(beat::beat_f_measure(p.beats, map.beats), 0.95);
  EXPECT_GE(beat::beat_f_measure(p.downbeats, map.downbeat_times()), 0.9);
  EXPECT_EQ(map.pickup_beats, 1);
}

TEST(BeatTracker, SwungEighthsKeepTheBeat) {
  auto p = perform(steady_beats(110, 80, 0.5), 4, 0, /*swing=*/true);
  BeatMap map = track_beats(p.score);
  EXPECT_NEAR(median_bpm(map), 110, 110 * 0.03);
  EXPECT_GE(beat::beat_f_measure(p.beats, map.beats), 0.95);
}

// The pulse level: a fast piece's beat is not taken for half notes, and the
// running sixteenths of a slow piece are not taken for its beat's halves.
// The fast pieces' left hand plays every beat, as fast accompaniments do.
TEST(BeatTracker, AFastPieceKeepsItsFastTempo) {
  struct Case {
    double bpm;
    int melody_per_beat;
  };
  for (Case c : {Case{150, 2}, Case{168, 2}, Case{184, 2}, Case{140, 4}}) {
    auto p = perform(steady_beats(c.bpm, 160, 0.5), 4, 0, false, 3, 0.01, c.melody_per_beat);
    for (size_t i = 0; i + 1 < p.beats.size(); ++i)
      p.score.notes.push_back(test::timed_note(43, 80, p.beats[i], p.beats[i] + 0.45 * (p.beats[i + 1] - p.beats[i])));
    p.score.normalize();
    p.score.update_seconds();
    BeatMap map = track_beats(p.score);
    ASSERT_GE(map.beats.size(), 2u) << c.bpm;
    EXPECT_NEAR(median_bpm(map), c.bpm, c.bpm * 0.03) << c.bpm;
    EXPECT_GE(beat::beat_f_measure(p.beats, map.beats), 0.95) << c.bpm;
  }
}

TEST(BeatTracker, ASlowPieceWithRunningSixteenthsIsNotDoubled) {
  for (double bpm : {52.0, 60.0, 68.0}) {
    auto p = perform(steady_beats(bpm, 48, 0.5), 4, 0, false, 5, 0.01, /*melody_per_beat=*/4);
    BeatMap map = track_beats(p.score);
    ASSERT_GE(map.beats.size(), 2u) << bpm;
    EXPECT_NEAR(median_bpm(map), bpm, bpm * 0.03) << bpm;
    EXPECT_GE(beat::beat_f_measure(p.beats, map.beats), 0.95) << bpm;
  }
}

TEST(BeatTracker, TellsThreeFromFour) {
  auto waltz = perform(steady_beats(120, 96, 0.5), 3);
  BeatMap map = track_beats(waltz.score);
  EXPECT_EQ(map.metre, 3);
  EXPECT_GE(beat::beat_f_measure(waltz.downbeats, map.downbeat_times()), 0.9);
  BeatTrackingOptions forced;
  forced.metre = 4;
  EXPECT_EQ(track_beats(waltz.score, forced).metre, 4);
}

TEST(BeatTracker, ScoresWithoutBeatsGiveAnEmptyMap) {
  Score empty;
  EXPECT_TRUE(track_beats(empty).beats.empty());
  Score one;
  one.notes.push_back(test::timed_note(60, 80, 1.0, 1.5));
  one.update_seconds();
  EXPECT_TRUE(track_beats(one).beats.empty());
  EXPECT_EQ(track_beats(one).to_json(), R"({"metre":4,"pickup_beats":0,"beats":[],"bpm":[],"downbeats":[]})");
}

TEST(BeatTracker, RefusesPiecesLongerThanSixHours) {
  auto p = perform(steady_beats(100, 16), 4);
  p.score.notes.push_back(test::timed_note(60, 80, 7 * 3600.0, 7 * 3600.0 + 1));
  p.score.normalize();
  try {
    track_beats(p.score);
    ADD_FAILURE() << "tracked a seven-hour piece";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("hours"), std::string::npos) << e.what();
  }
}

TEST(BeatTracker, RejectsBadOptions) {
  auto p = perform(steady_beats(100, 16), 4);
  for (auto change :
       {+[](BeatTrackingOptions& o) { o.min_bpm = 0; }, +[](BeatTrackingOptions& o) { o.max_bpm = o.min_bpm; },
        +[](BeatTrackingOptions& o) { o.prior_octaves = -1; }, +[](BeatTrackingOptions& o) { o.metre = 1; }}) {
    BeatTrackingOptions o;
    change(o);
    try {
      track_beats(p.score, o);
      ADD_FAILURE() << "accepted bad options";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    }
  }
}

// A three-hour piece: doubling its length must about double the work (a
// quadratic tracker would quadruple it). Counts steps, not wall time.
TEST(BeatTracker, WorkGrowsLinearlyUpToThreeHours) {
  auto hour_and_half = perform(steady_beats(100, 9000), 4, 0, false, 3);
  auto three_hours = perform(steady_beats(100, 18000), 4, 0, false, 3);
  BeatMap a = track_beats(hour_and_half.score), b = track_beats(three_hours.score);
  ASSERT_GT(a.work, 0);
  const double ratio = static_cast<double>(b.work) / static_cast<double>(a.work);
  EXPECT_GT(ratio, 1.8);
  EXPECT_LT(ratio, 2.2);
  EXPECT_GE(beat::beat_f_measure(three_hours.beats, b.beats), 0.95);
}

TEST(BeatFMeasure, CountsBeatsWithinTheWindow) {
  EXPECT_DOUBLE_EQ(beat::beat_f_measure({1, 2, 3, 4}, {1.05, 2.0, 3.1, 4.0}), 0.75);
  EXPECT_DOUBLE_EQ(beat::beat_f_measure({1, 2}, {}), 0.0);
  EXPECT_DOUBLE_EQ(beat::beat_f_measure({}, {}), 1.0);
  // One estimate cannot match two references.
  EXPECT_NEAR(beat::beat_f_measure({1.0, 1.05}, {1.02}), 2 * 1.0 * 0.5 / 1.5, 1e-12);
  EXPECT_DOUBLE_EQ(beat::beat_f_measure({1, 6, 7}, {6, 7}, 0.07, 5.0), 1.0);
}

}  // namespace
}  // namespace emopiano
