// Emotion capsules: an emotion as a time series, the way an affect recogniser
// (EEG, face, voice) or a game's script emits it, and the smoothing that keeps
// a noisy recogniser from making the music jitter. docs/live.md has the
// formats; in short, CSV with a header naming the columns
//
//   seconds,q1,q2,q3,q4          or   bar,valence,arousal
//   0.0,0.70,0.10,0.10,0.10           0,0.8,0.6
//
// or JSON lines, one object a line:
//
//   {"seconds": 0.0, "p": [0.7, 0.1, 0.1, 0.1]}
//   {"bar": 4, "valence": -0.5, "arousal": 0.2}
//
// Blank lines and lines starting with '#' are skipped. Every error is
// Error(format) naming the line: a bad number, time going backwards, a
// missing column, probabilities that do not sum to about 1.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emopiano/emotion.hpp"

namespace emopiano {

// What a capsule's times count.
enum class CapsuleClock { seconds, bars };

struct CapsuleRow {
  double time = 0.0;  // seconds or bars from the start of the music
  EmotionMix emotion;
  int64_t line = 0;  // 1-based line of the input
};

// Probabilities may be off 1 by this much (a recogniser's rounding); they are
// normalised.
constexpr double kCapsuleSumTolerance = 0.02;

// Reads a capsule one line at a time, as the lines arrive (a pipe, a socket).
// The format (CSV or JSON lines) is taken from the first line that is not
// blank or a comment.
class CapsuleReader {
 public:
  // A row, or nullopt for a blank line, a comment or the CSV header.
  // Throws Error(format) naming the line.
  std::optional<CapsuleRow> read_line(std::string_view line);
  // Known once the first row (or CSV header) has been read.
  std::optional<CapsuleClock> clock() const { return clock_; }
  int64_t lines_read() const { return line_; }

 private:
  std::optional<CapsuleRow> read_csv(std::string_view line);
  std::optional<CapsuleRow> read_json(std::string_view line);
  CapsuleRow accept(double time, CapsuleClock clock, const EmotionMix& emotion);

  enum class Format { unknown, csv, json };
  Format format_ = Format::unknown;
  std::optional<CapsuleClock> clock_;
  int64_t line_ = 0;
  // CSV: the column of each field, from the header.
  std::vector<std::string> columns_;
  std::optional<double> last_time_;
  int64_t last_line_ = 0;
};

struct Capsule {
  CapsuleClock clock = CapsuleClock::seconds;
  std::vector<CapsuleRow> rows;  // at least one, times never decreasing
};

// A whole capsule. Throws Error(format) naming the line, Error(io) when the
// file cannot be read.
Capsule parse_capsule(std::string_view text);
Capsule read_capsule_file(const std::filesystem::path& path);

struct SmoothingParams {
  // Exponential smoothing: a change of emotion is half heard after this long
  // (in the capsule's clock: seconds or bars). 0 = none.
  double half_life = 0.0;
  // The dominant quadrant changes only when another quadrant leads it by more
  // than this (in probability); until then the last emotion is held. 0 = none.
  double hysteresis = 0.0;

  void validate() const;  // throws Error(invalid_argument)
};

// Follows a capsule's rows in time and says which emotion the music should
// have at a given moment.
class EmotionSmoother {
 public:
  explicit EmotionSmoother(const SmoothingParams& params = {});
  // A row; times must not decrease (Error(invalid_argument) otherwise).
  void add(double time, const EmotionMix& emotion);
  // The emotion at `time` (>= the last row's): the smoothed rows, held
  // until a change of dominant quadrant is clear. Pure Q1 before any row.
  // Asked in order of time: the hysteresis remembers what it gave out.
  EmotionMix at(double time);
  bool empty() const { return !smoothed_; }

 private:
  std::array<double, 4> smoothed_at(double time) const;

  SmoothingParams params_;
  std::optional<std::array<double, 4>> smoothed_;  // at last_time_
  std::array<double, 4> target_{};                 // the last row, approached after it
  double last_time_ = 0.0;
  // The emotion last given out, and its dominant quadrant (hysteresis).
  std::optional<EmotionMix> held_;
};

}  // namespace emopiano
