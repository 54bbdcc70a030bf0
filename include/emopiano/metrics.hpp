// Objective music metrics: the ones MusPy and the Jazz Transformer paper
// (Wu & Yang, ISMIR 2020) define, plus density, dynamics and key, so
// generated pieces can be compared with real ones per emotion.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emopiano/score.hpp"

namespace emopiano {

struct KeyEstimate {
  int tonic = 0;  // pitch class 0 = C .. 11 = B
  bool major = true;
  double correlation = 0;    // Pearson r with the best Krumhansl-Kessler profile
  std::string name() const;  // "C major", "F# minor"
};

// Krumhansl-Schmuckler key finding on the duration-weighted pitch-class
// histogram. A score without notes gives C major with correlation 0.
KeyEstimate estimate_key(const Score& score);

struct MetricsOptions {
  // Onset grid for groove consistency, in steps per beat (4 = 16th notes).
  int groove_steps_per_beat = 4;
  // Polyphony rate counts time where more than this many pitches sound (MusPy's default).
  int polyphony_threshold = 2;
};

struct MusicMetrics {
  int64_t notes = 0;
  double duration_seconds = 0;
  int64_t bars = 0;
  // MusPy definitions.
  int pitch_range = 0;  // highest - lowest pitch
  int pitches_used = 0;
  int pitch_classes_used = 0;
  double polyphony = 0;            // mean pitches sounding, over time where any sounds
  double polyphony_rate = 0;       // fraction of time with more than `threshold` pitches
  double pitch_entropy = 0;        // bits, over the 128-pitch histogram of notes
  double pitch_class_entropy = 0;  // bits, over the 12-class histogram
  double scale_consistency = 0;    // best fraction of notes in one of the 24 major/minor scales
  double groove_consistency = 0;   // 1 - mean Hamming distance of consecutive bars' onset grids / grid size
  double empty_beat_rate = 0;      // fraction of beats in which no note sounds
  // Density, dynamics, duration, key, tempo.
  double notes_per_second = 0;
  double notes_per_bar = 0;
  double velocity_mean = 0;
  double velocity_std = 0;
  double note_duration_mean_seconds = 0;
  KeyEstimate key;
  double tempo_bpm = 0;  // time-weighted mean tempo

  std::string to_json() const;
};

MusicMetrics compute_metrics(const Score& score, const MetricsOptions& options = {});

// Mean and standard deviation of every numeric field over a set of pieces,
// and the share of pieces in a major key.
struct MetricsSummary {
  int64_t pieces = 0;
  // Field name (as in MusicMetrics::to_json) -> mean / population standard
  // deviation over the pieces where the field is defined (NaN when none is).
  std::map<std::string, double> mean;
  std::map<std::string, double> stddev;
  double major_share = 0;  // fraction of pieces whose estimated key is major
  std::string to_json() const;
};
MetricsSummary summarize_metrics(const std::vector<MusicMetrics>& pieces);

}  // namespace emopiano
