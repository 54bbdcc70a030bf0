// The CLI sources are not part of the library, so the progress bar is
// compiled into this test directly.
#include "cli/progress_bar.cpp"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace emopiano::cli {
namespace {

ProgressInfo info(int64_t done, int64_t total, double elapsed, std::string detail = "") {
  ProgressInfo i;
  i.stage = "tokenize";
  i.done = done;
  i.total = total;
  i.elapsed_seconds = elapsed;
  i.detail = std::move(detail);
  return i;
}

// Everything a ProgressBar writes to a temporary FILE.
class Capture {
 public:
  Capture() : file_(std::tmpfile()) {}
  ~Capture() { std::fclose(file_); }
  FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string s;
    for (int c; (c = std::fgetc(file_)) != EOF;) s += static_cast<char>(c);
    return s;
  }

 private:
  FILE* file_;
};

int count(const std::string& s, char c) { return static_cast<int>(std::count(s.begin(), s.end(), c)); }

TEST(ProgressBar, FormatShowsStageCountsPercentRateAndEta) {
  std::string line = ProgressBar::format(info(50, 200, 10.0, "4 threads"), 20);
  EXPECT_EQ(line, "tokenize [#####...............]  50/200  25%  5.00/s  ETA 30s  4 threads");
}

TEST(ProgressBar, FormatWhenDoneShowsElapsedInsteadOfEta) {
  std::string line = ProgressBar::format(info(200, 200, 125.0), 10);
  EXPECT_EQ(line, "tokenize [##########] 200/200 100%  1.60/s  2m05s");
}

TEST(ProgressBar, FormatUnknownTotalHasNoBar) {
  std::string line = ProgressBar::format(info(1500, 0, 3.0), 10);
  EXPECT_EQ(line, "tokenize 1500  500/s  3s");
}

TEST(ProgressBar, FormatBeforeAnyProgressHasNoRate) {
  EXPECT_EQ(ProgressBar::format(info(0, 4, 0.0), 4), "tokenize [....] 0/4   0%");
}

TEST(ProgressBar, FormatDuration) {
  EXPECT_EQ(ProgressBar::format_duration(4.4), "4s");
  EXPECT_EQ(ProgressBar::format_duration(65), "1m05s");
  EXPECT_EQ(ProgressBar::format_duration(7380), "2h03m");
  EXPECT_EQ(ProgressBar::format_duration(-1), "?");
}

TEST(ProgressBar, TerminalRedrawsInPlaceAndEndsWithNewline) {
  Capture cap;
  {
    ProgressBar bar(cap.file(), true, 5.0);
    bar.update(info(0, 3, 0.0));
    bar.update(info(3, 3, 1.0));  // completion is always drawn
    bar.finish();
  }
  std::string out = cap.text();
  EXPECT_EQ(count(out, '\r'), 2) << out;
  EXPECT_EQ(count(out, '\n'), 1) << out;
  EXPECT_EQ(out.back(), '\n');
  EXPECT_NE(out.find("3/3 100%"), std::string::npos) << out;
}

TEST(ProgressBar, LogModePrintsFirstUpdateThenThrottlesThenFinal) {
  Capture cap;
  ProgressBar bar(cap.file(), false, 3600.0);  // an interval no test will reach
  for (int i = 0; i <= 100; ++i) bar.update(info(i, 100, 0.01 * (i + 1)));
  std::string before_finish = cap.text();
  EXPECT_EQ(count(before_finish, '\n'), 1) << before_finish;
  EXPECT_EQ(count(before_finish, '\r'), 0);
  EXPECT_NE(before_finish.find(" 0/100"), std::string::npos) << before_finish;
  bar.finish();
  std::string out = cap.text();
  EXPECT_EQ(count(out, '\n'), 2) << out;
  EXPECT_NE(out.find("100/100 100%"), std::string::npos) << out;
}

TEST(ProgressBar, LogModeWithZeroIntervalPrintsEveryUpdate) {
  Capture cap;
  ProgressBar bar(cap.file(), false, 0.0);
  for (int i = 0; i < 5; ++i) bar.update(info(i, 4, 1.0));
  bar.finish();  // already shown: no duplicate line
  EXPECT_EQ(count(cap.text(), '\n'), 5) << cap.text();
}

TEST(ProgressBar, CallbackDrawsAndNeverCancels) {
  Capture cap;
  ProgressBar bar(cap.file(), false, 0.0);
  auto cb = bar.callback();
  EXPECT_TRUE(cb(info(1, 2, 1.0)));
  EXPECT_NE(cap.text().find("1/2"), std::string::npos);
}

TEST(ProgressBar, FinishWithoutUpdatesPrintsNothing) {
  Capture cap;
  {
    ProgressBar bar(cap.file(), true, 5.0);
    bar.finish();
  }
  EXPECT_EQ(cap.text(), "");
}

}  // namespace
}  // namespace emopiano::cli
