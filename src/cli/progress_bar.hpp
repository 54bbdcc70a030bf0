// A terminal progress bar for long commands (dataset, train, generate, eval):
//   tokenize [##########..........]  512/1078  47%  85.2/s  ETA 6s  detail
// On a terminal it redraws one line in place (\r); when output goes to a file
// or a CI log it prints a whole line every few seconds instead, so logs stay
// readable.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "emopiano/progress.hpp"

namespace emopiano::cli {

class ProgressBar {
 public:
  // Draws on `out` (stderr by default); a terminal is detected with isatty.
  explicit ProgressBar(FILE* out = stderr);
  // `line_interval_seconds`: seconds between lines when not a terminal.
  ProgressBar(FILE* out, bool is_terminal, double line_interval_seconds);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(const ProgressInfo& info);
  // Draws the last state once more (if not yet shown) and ends the line.
  void finish();
  // A callback for the library that draws and never cancels.
  ProgressCallback callback();

  // One line of text for `info`, without \r or newline.
  static std::string format(const ProgressInfo& info, int bar_width = 24);
  // "4s", "1m05s", "2h03m".
  static std::string format_duration(double seconds);

 private:
  void draw(const ProgressInfo& info);

  FILE* out_;
  bool tty_;
  double interval_;
  bool has_info_ = false;
  bool drawn_any_ = false;
  bool open_line_ = false;  // terminal: a line without its newline yet
  bool last_shown_ = true;  // the most recent update has been drawn
  size_t last_width_ = 0;
  ProgressInfo last_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace emopiano::cli
