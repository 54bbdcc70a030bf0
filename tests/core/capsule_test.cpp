// Emotion capsules: both formats, every error naming its line, smoothing and
// hysteresis.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "emopiano/capsule.hpp"
#include "emopiano/error.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

// The message of the Error(format) that parsing `text` throws.
std::string error_of(const std::string& text) {
  try {
    parse_capsule(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

TEST(Capsule, ReadsCsvWithProbabilities) {
  const Capsule c = parse_capsule(
      "# from the recogniser\n"
      "seconds, q1, q2, q3, q4\n"
      "0.0, 0.7, 0.1, 0.1, 0.1\n"
      "\n"
      "1.5, 0.1, 0.6, 0.2, 0.1\n");
  EXPECT_EQ(c.clock, CapsuleClock::seconds);
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].emotion.dominant(), Quadrant::Q1);
  EXPECT_DOUBLE_EQ(c.rows[1].time, 1.5);
  EXPECT_FLOAT_EQ(c.rows[1].emotion[Quadrant::Q2], 0.6f);
  EXPECT_EQ(c.rows[1].line, 5);
}

TEST(Capsule, ReadsCsvWithValenceArousalInBarsAndColumnsInAnyOrder) {
  const Capsule c = parse_capsule("arousal,bar,valence,confidence\n-0.5,0,0.9,0.3\n0.8,8,-0.9,0.9\n");
  EXPECT_EQ(c.clock, CapsuleClock::bars);
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].emotion.dominant(), Quadrant::Q4);  // high valence, low arousal
  EXPECT_EQ(c.rows[1].emotion.dominant(), Quadrant::Q2);
  EXPECT_DOUBLE_EQ(c.rows[1].time, 8.0);
}

TEST(Capsule, ReadsJsonLines) {
  const Capsule c = parse_capsule(
      "{\"seconds\": 0, \"p\": [0.1, 0.1, 0.7, 0.1]}\n"
      "{\"seconds\": 2.5, \"valence\": 0.6, \"arousal\": 0.6}\n"
      "{\"seconds\": 3, \"q1\": 0, \"q2\": 0, \"q3\": 0, \"q4\": 1}\n");
  EXPECT_EQ(c.clock, CapsuleClock::seconds);
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0].emotion.dominant(), Quadrant::Q3);
  EXPECT_EQ(c.rows[1].emotion.dominant(), Quadrant::Q1);
  EXPECT_EQ(c.rows[2].emotion.dominant(), Quadrant::Q4);
}

TEST(Capsule, ProbabilitiesOffByRoundingAreNormalised) {
  const Capsule c = parse_capsule("seconds,q1,q2,q3,q4\n0,0.33,0.33,0.33,0.0\n");
  float sum = 0;
  for (float p : c.rows[0].emotion.probabilities()) sum += p;
  EXPECT_NEAR(sum, 1.0f, 1e-6f);
}

TEST(Capsule, ErrorsNameTheLineAndTheReason) {
  const std::string header = "seconds,q1,q2,q3,q4\n";
  std::string e = error_of(header + "0,0.7,0.1,0.1,0.1\n1,0.7,abc,0.1,0.1\n");
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;
  EXPECT_NE(e.find("'abc' is not a number (column q2)"), std::string::npos) << e;

  e = error_of(header + "0,0.7,0.1,0.1,0.1\n4.5,0.7,0.1,0.1,0.1\n3,0.7,0.1,0.1,0.1\n");
  EXPECT_NE(e.find("line 4: time 3 goes back before 4.5 (line 3)"), std::string::npos) << e;

  e = error_of(header + "0,0.7,0.1,0.1\n");
  EXPECT_NE(e.find("line 2: missing column 'q4'"), std::string::npos) << e;

  e = error_of("seconds,q1,q2,q4\n");
  EXPECT_NE(e.find("line 1: missing column 'q3'"), std::string::npos) << e;

  e = error_of("q1,q2,q3,q4\n");
  EXPECT_NE(e.find("line 1: missing column 'seconds' or 'bar'"), std::string::npos) << e;

  e = error_of("bar,valence\n");
  EXPECT_NE(e.find("missing column 'arousal'"), std::string::npos) << e;

  e = error_of(header + "0,0.5,0.1,0.1,0.1\n");
  EXPECT_NE(e.find("line 2: the probabilities sum to 0.800, not 1"), std::string::npos) << e;

  e = error_of(header + "0,1.2,-0.2,0,0\n");
  EXPECT_NE(e.find("line 2: q2 = -0.2 is negative"), std::string::npos) << e;

  e = error_of("bar,valence,arousal\n0,1.5,0\n");
  EXPECT_NE(e.find("line 2: valence 1.5 is outside -1..1"), std::string::npos) << e;

  e = error_of("{\"seconds\": 0, \"p\": [0.7, 0.1, 0.1, 0.1]}\n{\"seconds\": 1, \"p\": [0.7, 0.1]}\n");
  EXPECT_NE(e.find("line 2: 'p' must be an array of four"), std::string::npos) << e;

  e = error_of("{\"seconds\": 0, \"p\": [0.7, 0.1, 0.1, 0.1]}\n{\"p\": [0.7, 0.1, 0.1, 0.1]}\n");
  EXPECT_NE(e.find("line 2: missing key 'seconds' or 'bar'"), std::string::npos) << e;

  e = error_of("{\"seconds\": \"soon\", \"valence\": 0, \"arousal\": 0}\n");
  EXPECT_NE(e.find("line 1: '\"soon\"' is not a number (key seconds)"), std::string::npos) << e;

  e = error_of("{\"seconds\": 0, \"valence\": 0, \"arousal\": 0}\n{\"bar\": 1, \"valence\": 0, \"arousal\": 0}\n");
  EXPECT_NE(e.find("line 2: time in bars after rows in seconds"), std::string::npos) << e;

  e = error_of("{\"seconds\": 0, \"valence\": 0\n");
  EXPECT_NE(e.find("line 1: not a JSON object"), std::string::npos) << e;

  e = error_of("# nothing but a comment\n");
  EXPECT_NE(e.find("no rows"), std::string::npos) << e;
}

TEST(Capsule, AFileErrorNamesTheFile) {
  const auto path = test::temp_dir("capsule") / "bad.csv";
  std::ofstream(path) << "seconds,q1,q2,q3,q4\n0,x,0,0,1\n";
  try {
    read_capsule_file(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv: capsule line 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_capsule_file(path.parent_path() / "missing.csv"), Error);
}

TEST(Capsule, TheReaderTakesLinesAsTheyArrive) {
  CapsuleReader reader;
  EXPECT_FALSE(reader.read_line("bar,q1,q2,q3,q4"));
  EXPECT_EQ(reader.clock(), CapsuleClock::bars);
  auto row = reader.read_line("2,0,0,1,0\r");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->emotion.dominant(), Quadrant::Q3);
  EXPECT_EQ(row->line, 2);
  EXPECT_THROW(reader.read_line("1,0,0,1,0"), Error);  // backwards
  EXPECT_TRUE(reader.read_line("3,0,0,1,0"));          // the reader goes on after an error
}

TEST(EmotionSmoother, WithoutSmoothingFollowsTheRows) {
  EmotionSmoother s;
  EXPECT_EQ(s.at(0).dominant(), Quadrant::Q1);  // nothing yet: Q1
  s.add(0, EmotionMix::parse("sad"));
  EXPECT_EQ(s.at(1).probabilities(), EmotionMix::parse("sad").probabilities());
  s.add(2, EmotionMix::parse("calm"));
  EXPECT_EQ(s.at(2).probabilities(), EmotionMix::parse("calm").probabilities());
}

TEST(EmotionSmoother, HalfLifeHalvesTheDistance) {
  SmoothingParams p;
  p.half_life = 2.0;
  EmotionSmoother s(p);
  s.add(0, EmotionMix::parse("happy"));
  s.add(10, EmotionMix::parse("sad"));
  EXPECT_NEAR(s.at(10)[Quadrant::Q3], 0.0f, 1e-6f);
  EXPECT_NEAR(s.at(12)[Quadrant::Q3], 0.5f, 1e-6f);   // one half-life
  EXPECT_NEAR(s.at(14)[Quadrant::Q3], 0.75f, 1e-6f);  // two
  // A row in between restarts from where the smoothing stood.
  s.add(14, EmotionMix::parse("happy"));
  EXPECT_NEAR(s.at(16)[Quadrant::Q3], 0.375f, 1e-6f);
  EXPECT_THROW(s.add(13, EmotionMix::parse("sad")), Error);
}

TEST(EmotionSmoother, HysteresisHoldsTheQuadrantUntilTheChangeIsClear) {
  SmoothingParams p;
  p.hysteresis = 0.2;
  EmotionSmoother s(p);
  s.add(0, EmotionMix::from_probabilities({0.6f, 0.4f, 0.0f, 0.0f}));
  EXPECT_EQ(s.at(0).dominant(), Quadrant::Q1);
  // A noisy flip to Q2 by 0.1: held.
  s.add(1, EmotionMix::from_probabilities({0.45f, 0.55f, 0.0f, 0.0f}));
  const EmotionMix held = s.at(1);
  EXPECT_EQ(held.dominant(), Quadrant::Q1);
  EXPECT_FLOAT_EQ(held[Quadrant::Q1], 0.6f);
  // A clear lead of 0.4: it changes.
  s.add(2, EmotionMix::from_probabilities({0.3f, 0.7f, 0.0f, 0.0f}));
  EXPECT_EQ(s.at(2).dominant(), Quadrant::Q2);
  // And back only when clear again.
  s.add(3, EmotionMix::from_probabilities({0.55f, 0.45f, 0.0f, 0.0f}));
  EXPECT_EQ(s.at(3).dominant(), Quadrant::Q2);
  SmoothingParams bad;
  bad.half_life = -1;
  EXPECT_THROW(EmotionSmoother{bad}, Error);
}

}  // namespace
}  // namespace emopiano
