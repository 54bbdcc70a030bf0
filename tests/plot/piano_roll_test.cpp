// The piano roll draws what is in the score, where it belongs.
#include <regex>

#include <gtest/gtest.h>

#include "emopiano/error.hpp"
#include "emopiano/plot.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

Score piece() {
  Score s;
  s.ticks_per_beat = 480;
  s.tempos = {TempoChange{0, 0.0, 120.0}};
  s.time_signatures = {TimeSignature{0, 4, 4}};
  s.notes.push_back(Note{60, 127, 0, 480, 0, 0, 0});
  s.notes.push_back(Note{72, 10, 1920, 3840, 0, 0, 0});
  s.pedal.push_back(PedalEvent{0, 0, true, 127});
  s.pedal.push_back(PedalEvent{960, 0, false, 0});
  s.normalize();
  s.update_seconds();
  return s;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(PianoRoll, OneRectanglePerNoteWithBarLinesAndPedal) {
  PianoRollOptions o;
  o.title = "Q1 <test> & more";
  std::string svg = piano_roll_svg(piece(), o);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(count(svg, "<title>"), 2u);           // one per note
  EXPECT_EQ(count(svg, "<line "), 3u);            // two bars: lines at 0, 1 and 2 bars
  EXPECT_EQ(count(svg, "fill=\"#d08030\""), 1u);  // one pedal-down span
  EXPECT_NE(svg.find("Q1 &lt;test&gt; &amp; more"), std::string::npos);
  EXPECT_NE(svg.find(">C4<"), std::string::npos);  // pitch axis label at middle C
  EXPECT_NE(svg.find(">C5<"), std::string::npos);
}

TEST(PianoRoll, LouderNotesAreDarkerAndLaterNotesFurtherRight) {
  std::string svg = piano_roll_svg(piece());
  std::regex rect(
      "<rect x=\"([0-9.]+)\" y=\"[0-9.]+\" width=\"[0-9.]+\" height=\"[0-9.]+\" fill=\"hsl\\(220,70%,([0-9]+)%\\)\"");
  std::vector<std::pair<double, int>> found;
  for (std::sregex_iterator it(svg.begin(), svg.end(), rect), end; it != end; ++it)
    found.emplace_back(std::stod((*it)[1]), std::stoi((*it)[2]));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_LT(found[0].first, found[1].first);    // the note at tick 0 is left of the one at bar 2
  EXPECT_LT(found[0].second, found[1].second);  // velocity 127 is darker than velocity 10
}

TEST(PianoRoll, EmptyScoreStillDraws) {
  Score s = piece();
  s.notes.clear();
  s.pedal.clear();
  EXPECT_NE(piano_roll_svg(s).find("</svg>"), std::string::npos);
}

TEST(PianoRoll, BadSizeIsAnError) {
  PianoRollOptions o;
  o.width = 5;
  EXPECT_THROW(piano_roll_svg(piece(), o), Error);
}

TEST(PianoRoll, FileIsWritten) {
  auto path = test::temp_dir("plot") / "roll.svg";
  write_piano_roll_svg(piece(), path);
  EXPECT_GT(std::filesystem::file_size(path), 200u);
}

}  // namespace
}  // namespace emopiano
