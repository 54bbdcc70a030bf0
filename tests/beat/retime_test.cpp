#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "beat/synthetic_performance.hpp"
#include "emopiano/beats.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/tokenizer.hpp"

namespace emopiano {
namespace {

using test::perform;
using test::steady_beats;

// Every note of `in` has a note of `out` of the same key and velocity that
// starts and ends at the same time, within `tolerance` seconds.
void expect_same_sounding_times(const Score& in, const Score& out, double tolerance) {
  ASSERT_EQ(in.notes.size(), out.notes.size());
  std::vector<bool> used(out.notes.size(), false);
  for (const auto& n : in.notes) {
    bool found = false;
    for (size_t k = 0; k < out.notes.size() && !found; ++k) {
      const Note& m = out.notes[k];
      if (!used[k] && m.pitch == n.pitch && m.velocity == n.velocity &&
          std::abs(m.start_seconds - n.start_seconds) <= tolerance &&
          std::abs(m.end_seconds - n.end_seconds) <= tolerance)
        used[k] = found = true;
    }
    EXPECT_TRUE(found) << "pitch " << n.pitch << " at " << n.start_seconds << " s";
  }
}

TEST(Retime, KeepsSoundingTimesAndPutsBeatsOnQuarterNotes) {
  auto p = perform(test::ramp_beats(90, 120, 64, 0.7), 4, /*pickup=*/1);
  BeatMap map = track_beats(p.score);
  Score out = retime(p.score, map);
  // One tick at the fastest beat is well under 2 ms.
  expect_same_sounding_times(p.score, out, 0.002);
  ASSERT_EQ(out.time_signatures.size(), 1u);
  EXPECT_EQ(out.time_signatures[0].numerator, map.metre);
  EXPECT_GT(out.tempos.size(), map.beats.size() - 1);
  // Every tracked beat is on a quarter note, every downbeat on a bar line.
  for (size_t i = 0; i < map.beats.size(); ++i) {
    double ticks = 0;
    // Seconds -> ticks through the new tempo map: find the tempo segment.
    const auto& tempos = out.tempos;
    for (size_t k = 0; k < tempos.size(); ++k) {
      const double next = k + 1 < tempos.size() ? tempos[k + 1].seconds : 1e300;
      if (map.beats[i] < next) {
        ticks = tempos[k].tick + (map.beats[i] - tempos[k].seconds) * tempos[k].bpm / 60.0 * out.ticks_per_beat;
        break;
      }
    }
    EXPECT_NEAR(std::fmod(ticks + 1.0, out.ticks_per_beat), 1.0, 1.0) << "beat " << i;
    const bool down = std::find(map.downbeats.begin(), map.downbeats.end(), static_cast<int>(i)) != map.downbeats.end();
    if (down) EXPECT_NEAR(std::fmod(ticks + 1.0, map.metre * out.ticks_per_beat), 1.0, 1.0) << "downbeat " << i;
  }
  // The retimed onsets sit on the eighth-note grid; the nominal-tempo ones did not.
  EXPECT_GT(beat_phase_concentration(out, 2), 0.8);
  EXPECT_LT(beat_phase_concentration(p.score, 2), 0.5);
}

TEST(Retime, SurvivesAMidiFileAndTheTokenizer) {
  auto p = perform(steady_beats(84, 40, 1.3), 4, 2);
  // Through a file first: the reader closes overlapping notes of one key.
  const std::vector<uint8_t> bytes = write_midi_bytes(p.score);
  const Score in = read_midi_bytes(bytes.data(), bytes.size());
  const Score out = retime(in, track_beats(in));
  const std::vector<uint8_t> retimed_bytes = write_midi_bytes(out);
  const Score again = read_midi_bytes(retimed_bytes.data(), retimed_bytes.size());
  expect_same_sounding_times(in, again, 0.002);

  // decode(encode(retimed)): the same notes, each within half a grid step
  // (a 32nd note) of its place in beats, or within one step for the notes
  // played a hair before a bar line, which the grid keeps in the bar they
  // were played in (EncodeStats::onsets_clamped). Seconds move a little
  // more, by the 7% tempo bins of the Tempo tokens, so beats are compared.
  TokenizerConfig config;
  config.grid = "score";
  auto tok = Tokenizer::create(config);
  EncodeStats stats;
  Score decoded = tok->decode(tok->encode(again, std::nullopt, &stats));
  ASSERT_EQ(decoded.notes.size(), again.notes.size());
  auto in_beats = [](const Score& s, const Note& n) { return static_cast<double>(n.start_tick) / s.ticks_per_beat; };
  std::vector<bool> used(decoded.notes.size(), false);
  const double step = 1.0 / config.positions_per_beat;
  int64_t beyond_half_step = 0;
  for (const auto& n : again.notes) {
    bool found = false;
    for (double tolerance : {0.5 * step + 1e-9, step + 1e-9}) {
      for (size_t k = 0; k < decoded.notes.size() && !found; ++k)
        if (!used[k] && decoded.notes[k].pitch == n.pitch &&
            std::abs(in_beats(decoded, decoded.notes[k]) - in_beats(again, n)) <= tolerance)
          used[k] = found = true;
      if (found) break;
      ++beyond_half_step;
    }
    EXPECT_TRUE(found) << "pitch " << n.pitch << " at beat " << in_beats(again, n);
  }
  EXPECT_LE(beyond_half_step, stats.onsets_clamped);
}

TEST(Retime, MapsWithoutBeatsLeaveTheScoreAlone) {
  Score one;
  one.notes.push_back(test::timed_note(60, 80, 1.0, 1.5));
  one.normalize();
  one.update_seconds();
  Score out = retime(one, track_beats(one));
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_EQ(out.notes[0].start_tick, one.notes[0].start_tick);
  EXPECT_TRUE(retime(Score{}, BeatMap{}).notes.empty());
}

TEST(Retime, RejectsBeatsOutOfOrder) {
  auto p = perform(steady_beats(100, 16), 4);
  BeatMap map;
  map.beats = {1.0, 0.5, 2.0};
  EXPECT_THROW(retime(p.score, map), Error);
}

TEST(PhaseConcentration, TellsPerformancesFromQuantizedScores) {
  auto p = perform(steady_beats(97, 64, 0.3), 4, 0, false, 5, 0.02);
  EXPECT_TRUE(is_unaligned(p.score));
  Score quantized = retime(p.score, track_beats(p.score));
  // After retiming it has a tempo map: aligned, whatever its phases.
  EXPECT_FALSE(is_unaligned(quantized));

  // A quantized piece in straight sixteenths: phase 0 at the beat is no
  // stronger than the others, but the sixteenth grid is exact.
  Score sixteenths;
  sixteenths.tempos = {{0, 0.0, 120.0}};
  for (int i = 0; i < 200; ++i) {
    Note n;
    n.pitch = 60 + i % 12;
    n.start_tick = i * 120;
    n.end_tick = n.start_tick + 100;
    sixteenths.notes.push_back(n);
  }
  EXPECT_LT(beat_phase_concentration(sixteenths, 1), 0.05);
  EXPECT_GT(beat_phase_concentration(sixteenths, 4), 0.99);
  EXPECT_FALSE(is_unaligned(sixteenths));

  // Too few onsets to tell: aligned.
  Score few = p.score;
  few.notes.resize(20);
  EXPECT_FALSE(is_unaligned(few));
  // Two tempi: someone wrote a tempo map, so it is aligned.
  Score two = p.score;
  two.tempos.push_back({4800, 0.0, 90.0});
  EXPECT_FALSE(is_unaligned(two));
}

}  // namespace
}  // namespace emopiano
