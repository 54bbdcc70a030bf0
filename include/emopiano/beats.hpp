// Beats, downbeats and metre of a performance, and the performance written
// onto that grid. Transcribed performances (EMOPIA) are stored at one nominal
// tempo with notes off its grid, so their bars and beats mean nothing; the
// tracker finds where the beats are from the notes themselves (onsets,
// velocities, bass, pedal), and retime() rewrites the ticks so that a beat is
// a quarter note and a bar is a bar, keeping every sounding time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emopiano/score.hpp"

namespace emopiano {

// Changes whenever the tracker may place beats differently: caches of data
// derived from tracked beats (token caches) include it in their keys.
constexpr int kBeatTrackerVersion = 4;

struct BeatTrackingOptions {
  double min_bpm = 40.0;  // tempo range searched
  double max_bpm = 240.0;
  // Log-normal tempo prior: its centre and standard deviation in octaves.
  // Tuned on POP909's annotated beats (docs/beats.md): a broad prior at 80
  // lets the autocorrelation decide between a beat and its double or half.
  double prior_bpm = 80.0;
  double prior_octaves = 2.0;
  // How strongly beat intervals keep to the local tempo (Ellis' alpha):
  // higher is steadier, lower follows rubato more closely.
  double tightness = 100.0;
  int metre = 0;          // beats per bar: 0 detects 3 or 4; 2..12 forces it
  void validate() const;  // throws Error(invalid_argument)
};

struct BeatMap {
  std::vector<double> beats;   // beat times in seconds, increasing
  std::vector<double> bpm;     // local tempo of each beat (to the next beat)
  std::vector<int> downbeats;  // indices into beats of the first beat of each bar
  int metre = 4;               // beats per bar
  // Beats before the first downbeat (an anacrusis), 0..metre-1.
  int pickup_beats = 0;
  // Inner-loop steps the tracker took: its cost, which grows linearly with
  // the length of the piece (tests check that instead of wall time).
  int64_t work = 0;

  std::vector<double> downbeat_times() const;
  // {"metre":4,"pickup_beats":1,"beats":[...],"bpm":[...],"downbeats":[...]}
  std::string to_json() const;
};

// Beats, downbeats and metre of a performance from its notes' sounding times
// (seconds through its tempo map) and its pedal. A score with fewer than two
// onsets gives an empty map. Throws Error(invalid_argument) on bad options
// and for pieces longer than six hours (time and memory are linear in the
// length: about 40 bytes per 10 ms).
BeatMap track_beats(const Score& score, const BeatTrackingOptions& options = {});

// The score written onto the beat map's grid: one quarter note per tracked
// beat (ticks piecewise linear between beats), a tempo change at every beat,
// the metre as time signature at tick 0, and bar lines on the downbeats. An
// anacrusis becomes a leading rest: tick 0 stays at 0 s and a short lead-in
// of whole beats makes the first downbeat fall on a bar line. Notes and pedal
// events keep their sounding times to within a tick. A map with fewer than
// two beats returns the score unchanged.
Score retime(const Score& score, const BeatMap& map);

// Concentration of onsets at the beat phase of the score's own grid (tick
// modulo ticks_per_beat; `harmonic` 2 measures it at the eighth note, 4 at
// the sixteenth): the Rayleigh resultant length, 0 for onsets spread evenly
// over the beat, 1 for onsets all at one phase. The notes of a chord (onsets
// within a 64th note) count once.
double beat_phase_concentration(const Score& score, int harmonic = 1);

// True when the score looks like a performance stored at a nominal tempo:
// one tempo throughout and onsets no more concentrated at the phase of the
// beat or of its subdivisions (halves, thirds, quarters, sixths) than chance
// would give (Rayleigh z = R sqrt(N) below 2.5 at each). Scores with too few
// onsets to tell (under 16) are taken as aligned.
bool is_unaligned(const Score& score);

}  // namespace emopiano
