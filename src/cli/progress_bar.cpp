#include "cli/progress_bar.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>
#include <unistd.h>

namespace emopiano::cli {

namespace {
// A terminal redraw costs little, but a hundred per second flickers.
constexpr double kTerminalRedrawSeconds = 0.1;
constexpr double kLogLineSeconds = 5.0;
}  // namespace

ProgressBar::ProgressBar(FILE* out) : ProgressBar(out, isatty(fileno(out)) != 0, kLogLineSeconds) {}

ProgressBar::ProgressBar(FILE* out, bool is_terminal, double line_interval_seconds)
    : out_(out), tty_(is_terminal), interval_(line_interval_seconds) {}

ProgressBar::~ProgressBar() {
  // A bar left open (the work threw) must not swallow the error message's line.
  if (open_line_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

std::string ProgressBar::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<long long>(std::llround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

std::string ProgressBar::format(const ProgressInfo& info, int bar_width) {
  std::string line = info.stage.empty() ? "working" : info.stage;
  const bool known_total = info.total > 0;
  if (known_total) {
    double frac = std::clamp(static_cast<double>(info.done) / static_cast<double>(info.total), 0.0, 1.0);
    int filled = static_cast<int>(frac * bar_width);
    line += fmt::format(" [{}{}] {:>{}}/{} {:3.0f}%", std::string(filled, '#'), std::string(bar_width - filled, '.'),
                        info.done, std::to_string(info.total).size(), info.total, frac * 100.0);
  } else {
    line += fmt::format(" {}", info.done);
  }
  if (info.elapsed_seconds > 0 && info.done > 0) {
    double rate = static_cast<double>(info.done) / info.elapsed_seconds;
    line += rate >= 10 ? fmt::format("  {:.0f}/s", rate) : fmt::format("  {:.2f}/s", rate);
    if (known_total && info.done < info.total)
      line += "  ETA " + format_duration(static_cast<double>(info.total - info.done) / rate);
    else
      line += "  " + format_duration(info.elapsed_seconds);
  }
  if (!info.detail.empty()) line += "  " + info.detail;
  return line;
}

void ProgressBar::draw(const ProgressInfo& info) {
  std::string line = format(info);
  if (tty_) {
    // Pad over the tail of a longer previous line.
    size_t width = line.size();
    if (width < last_width_) line.append(last_width_ - width, ' ');
    last_width_ = width;
    fmt::print(out_, "\r{}", line);
    open_line_ = true;
  } else {
    fmt::print(out_, "{}\n", line);
  }
  std::fflush(out_);
  drawn_any_ = true;
  last_shown_ = true;
  last_draw_ = std::chrono::steady_clock::now();
}

void ProgressBar::update(const ProgressInfo& info) {
  last_ = info;
  has_info_ = true;
  last_shown_ = false;
  double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_draw_).count();
  bool complete = info.total > 0 && info.done >= info.total;
  if (!drawn_any_ || since >= (tty_ ? kTerminalRedrawSeconds : interval_) || (tty_ && complete)) draw(info);
}

void ProgressBar::finish() {
  if (has_info_ && !last_shown_) draw(last_);
  if (open_line_) {
    std::fputc('\n', out_);
    std::fflush(out_);
    open_line_ = false;
  }
}

ProgressCallback ProgressBar::callback() {
  return [this](const ProgressInfo& info) {
    update(info);
    return true;
  };
}

}  // namespace emopiano::cli
