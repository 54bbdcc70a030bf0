#include "emopiano/emotion.hpp"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "emopiano/error.hpp"

namespace emopiano {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Runs `fn`, expects Error(invalid_argument), and returns its message.
template <typename Fn>
std::string invalid_argument_message(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no Error thrown";
  return "";
}

void expect_probs(const EmotionMix& m, std::array<float, 4> want, float tol = 1e-5f) {
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(m.probabilities()[i], want[i], tol) << "Q" << i + 1;
}

TEST(Quadrant, NamesAndMoods) {
  EXPECT_STREQ(quadrant_name(Quadrant::Q1), "Q1");
  EXPECT_STREQ(quadrant_name(Quadrant::Q4), "Q4");
  EXPECT_STREQ(quadrant_mood(Quadrant::Q1), "happy");
  EXPECT_STREQ(quadrant_mood(Quadrant::Q2), "tense");
  EXPECT_STREQ(quadrant_mood(Quadrant::Q3), "sad");
  EXPECT_STREQ(quadrant_mood(Quadrant::Q4), "calm");
}

TEST(Quadrant, ParseAcceptsNamesNumbersAndMoods) {
  for (int i = 0; i < 4; ++i) {
    auto q = static_cast<Quadrant>(i);
    EXPECT_EQ(parse_quadrant(quadrant_name(q)), q);
    EXPECT_EQ(parse_quadrant(std::to_string(i + 1)), q);
    EXPECT_EQ(parse_quadrant(quadrant_mood(q)), q);
  }
  EXPECT_EQ(parse_quadrant("q3"), Quadrant::Q3);
  EXPECT_EQ(parse_quadrant("  SAD "), Quadrant::Q3);
  EXPECT_EQ(parse_quadrant("Calm"), Quadrant::Q4);
}

TEST(Quadrant, ParseRejectsOtherText) {
  for (const char* bad : {"", "Q0", "Q5", "0", "5", "Q", "QQ1", "happyish", "Q1x", "12"})
    EXPECT_FALSE(parse_quadrant(bad).has_value()) << bad;
}

TEST(EmotionMix, DefaultIsPureQ1) {
  EmotionMix m;
  expect_probs(m, {1, 0, 0, 0});
  EXPECT_EQ(m.dominant(), Quadrant::Q1);
}

TEST(EmotionMix, FromQuadrantIsOneHot) {
  for (int i = 0; i < 4; ++i) {
    auto m = EmotionMix::from_quadrant(static_cast<Quadrant>(i));
    for (int j = 0; j < 4; ++j) EXPECT_EQ(m.probabilities()[j], i == j ? 1.0f : 0.0f);
    EXPECT_EQ(m.dominant(), static_cast<Quadrant>(i));
    EXPECT_EQ(m[static_cast<Quadrant>(i)], 1.0f);
  }
}

TEST(EmotionMix, FromQuadrantRejectsOutOfRangeEnum) {
  auto msg = invalid_argument_message([] { EmotionMix::from_quadrant(static_cast<Quadrant>(7)); });
  EXPECT_NE(msg.find("7"), std::string::npos) << msg;
}

TEST(EmotionMix, FromProbabilitiesNormalises) {
  auto m = EmotionMix::from_probabilities({1, 3, 0, 4});
  expect_probs(m, {0.125f, 0.375f, 0.0f, 0.5f});
  EXPECT_EQ(m.dominant(), Quadrant::Q4);
}

TEST(EmotionMix, FromProbabilitiesRejectsNaNInfNegativeAndZeroSum) {
  auto msg = invalid_argument_message([] { EmotionMix::from_probabilities({0.5f, kNaN, 0, 0}); });
  EXPECT_NE(msg.find("Q2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("finite"), std::string::npos) << msg;
  msg = invalid_argument_message([] { EmotionMix::from_probabilities({kInf, 0, 0, 0}); });
  EXPECT_NE(msg.find("Q1"), std::string::npos) << msg;
  msg = invalid_argument_message([] { EmotionMix::from_probabilities({0.5f, 0.5f, -0.1f, 0}); });
  EXPECT_NE(msg.find("negative"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Q3"), std::string::npos) << msg;
  msg = invalid_argument_message([] { EmotionMix::from_probabilities({0, 0, 0, 0}); });
  EXPECT_NE(msg.find("zero"), std::string::npos) << msg;
}

TEST(EmotionMix, ValenceArousalCornersArePureQuadrants) {
  expect_probs(EmotionMix::from_valence_arousal(+1, +1), {1, 0, 0, 0});
  expect_probs(EmotionMix::from_valence_arousal(-1, +1), {0, 1, 0, 0});
  expect_probs(EmotionMix::from_valence_arousal(-1, -1), {0, 0, 1, 0});
  expect_probs(EmotionMix::from_valence_arousal(+1, -1), {0, 0, 0, 1});
}

TEST(EmotionMix, ValenceArousalOriginIsUniformAndEdgesSplitInTwo) {
  expect_probs(EmotionMix::from_valence_arousal(0, 0), {0.25f, 0.25f, 0.25f, 0.25f});
  // Top edge midpoint: half Q1 (happy), half Q2 (tense).
  expect_probs(EmotionMix::from_valence_arousal(0, 1), {0.5f, 0.5f, 0, 0});
  // Bilinear at an arbitrary point: u=(0.5+1)/2=0.75, w=(-0.5+1)/2=0.25.
  expect_probs(EmotionMix::from_valence_arousal(0.5f, -0.5f),
               {0.75f * 0.25f, 0.25f * 0.25f, 0.25f * 0.75f, 0.75f * 0.75f});
}

TEST(EmotionMix, ValenceArousalRoundTrips) {
  for (float v : {-1.0f, -0.6f, 0.0f, 0.3f, 1.0f})
    for (float a : {-1.0f, -0.2f, 0.0f, 0.7f, 1.0f}) {
      auto m = EmotionMix::from_valence_arousal(v, a);
      EXPECT_NEAR(m.valence(), v, 1e-5f);
      EXPECT_NEAR(m.arousal(), a, 1e-5f);
      float sum = 0;
      for (float p : m.probabilities()) sum += p;
      EXPECT_NEAR(sum, 1.0f, 1e-5f);
    }
}

TEST(EmotionMix, ValenceArousalRejectsOutOfRangeAndNaN) {
  auto msg = invalid_argument_message([] { EmotionMix::from_valence_arousal(1.5f, 0); });
  EXPECT_NE(msg.find("valence"), std::string::npos) << msg;
  msg = invalid_argument_message([] { EmotionMix::from_valence_arousal(0, -1.01f); });
  EXPECT_NE(msg.find("arousal"), std::string::npos) << msg;
  invalid_argument_message([] { EmotionMix::from_valence_arousal(kNaN, 0); });
  invalid_argument_message([] { EmotionMix::from_valence_arousal(0, kInf); });
}

TEST(EmotionMix, ValenceAndArousalOfQuadrants) {
  auto q2 = EmotionMix::from_quadrant(Quadrant::Q2);
  EXPECT_FLOAT_EQ(q2.valence(), -1.0f);
  EXPECT_FLOAT_EQ(q2.arousal(), +1.0f);
  auto q4 = EmotionMix::from_quadrant(Quadrant::Q4);
  EXPECT_FLOAT_EQ(q4.valence(), +1.0f);
  EXPECT_FLOAT_EQ(q4.arousal(), -1.0f);
  auto mix = EmotionMix::from_probabilities({0.5f, 0, 0.5f, 0});  // happy + sad
  EXPECT_NEAR(mix.valence(), 0.0f, 1e-6f);
  EXPECT_NEAR(mix.arousal(), 0.0f, 1e-6f);
}

TEST(EmotionMix, DominantPicksLargestAndFirstOnTies) {
  EXPECT_EQ(EmotionMix::from_probabilities({0.1f, 0.2f, 0.6f, 0.1f}).dominant(), Quadrant::Q3);
  EXPECT_EQ(EmotionMix::from_probabilities({0.1f, 0.4f, 0.1f, 0.4f}).dominant(), Quadrant::Q2);
}

TEST(EmotionMix, LerpBlendsAndClampsT) {
  auto a = EmotionMix::from_quadrant(Quadrant::Q3);
  auto b = EmotionMix::from_quadrant(Quadrant::Q1);
  expect_probs(EmotionMix::lerp(a, b, 0.25f), {0.25f, 0, 0.75f, 0});
  expect_probs(EmotionMix::lerp(a, b, -3.0f), {0, 0, 1, 0});
  expect_probs(EmotionMix::lerp(a, b, 7.0f), {1, 0, 0, 0});
  expect_probs(EmotionMix::lerp(a, b, kNaN), {0, 0, 1, 0});
}

TEST(EmotionMix, ToStringPureAndMixed) {
  EXPECT_EQ(EmotionMix::from_quadrant(Quadrant::Q2).to_string(), "Q2");
  EXPECT_EQ(EmotionMix::from_probabilities({0.1f, 0.6f, 0.2f, 0.1f}).to_string(), "0.10,0.60,0.20,0.10");
}

TEST(EmotionMix, ParseQuadrantsMoodsWeightsAndValenceArousal) {
  expect_probs(EmotionMix::parse("Q2"), {0, 1, 0, 0});
  expect_probs(EmotionMix::parse("sad"), {0, 0, 1, 0});
  expect_probs(EmotionMix::parse(" 4 "), {0, 0, 0, 1});
  expect_probs(EmotionMix::parse("0.1,0.6,0.2,0.1"), {0.1f, 0.6f, 0.2f, 0.1f});
  expect_probs(EmotionMix::parse("1; 1; 0; 2"), {0.25f, 0.25f, 0, 0.5f});
  auto va = EmotionMix::parse("va:0.7,-0.3");
  EXPECT_NEAR(va.valence(), 0.7f, 1e-5f);
  EXPECT_NEAR(va.arousal(), -0.3f, 1e-5f);
  EXPECT_EQ(va.dominant(), Quadrant::Q4);
}

TEST(EmotionMix, ParseRoundTripsToString) {
  for (const char* text : {"Q1", "Q3", "0.10,0.60,0.20,0.10", "0.25,0.25,0.25,0.25"})
    EXPECT_EQ(EmotionMix::parse(text).to_string(), text);
}

TEST(EmotionMix, ParseRejectsMalformedText) {
  auto msg = invalid_argument_message([] { EmotionMix::parse("angry"); });
  EXPECT_NE(msg.find("'angry'"), std::string::npos) << msg;
  msg = invalid_argument_message([] { EmotionMix::parse("0.1,0.2,0.7"); });
  EXPECT_NE(msg.find("3 weights"), std::string::npos) << msg;
  msg = invalid_argument_message([] { EmotionMix::parse("0.1,x,0.2,0.7"); });
  EXPECT_NE(msg.find("'x'"), std::string::npos) << msg;
  invalid_argument_message([] { EmotionMix::parse(""); });
  invalid_argument_message([] { EmotionMix::parse("   "); });
  invalid_argument_message([] { EmotionMix::parse("0,0,0,0"); });
  invalid_argument_message([] { EmotionMix::parse("-1,1,1,1"); });
  invalid_argument_message([] { EmotionMix::parse("nan,1,1,1"); });
  invalid_argument_message([] { EmotionMix::parse("va:0.5"); });
  invalid_argument_message([] { EmotionMix::parse("va:0.5,2"); });
  invalid_argument_message([] { EmotionMix::parse("va:a,b"); });
  invalid_argument_message([] { EmotionMix::parse("0.1,0.2,0.3,0.4,"); });
}

TEST(EmotionTrajectory, DefaultIsEmptyAndAtThrows) {
  EmotionTrajectory t;
  EXPECT_TRUE(t.empty());
  invalid_argument_message([&] { t.at(0); });
}

TEST(EmotionTrajectory, ConstantHoldsEverywhere) {
  EmotionTrajectory t(EmotionMix::from_quadrant(Quadrant::Q4));
  ASSERT_EQ(t.keyframes().size(), 1u);
  for (double bar : {0.0, 3.5, 1000.0}) EXPECT_EQ(t.at(bar).to_string(), "Q4");
}

TEST(EmotionTrajectory, ParseInterpolatesAndHoldsEnds) {
  auto t = EmotionTrajectory::parse("Q3@0,Q3@8,Q1@16");
  ASSERT_EQ(t.keyframes().size(), 3u);
  EXPECT_EQ(t.keyframes()[2].bar, 16.0);
  expect_probs(t.at(0), {0, 0, 1, 0});
  expect_probs(t.at(5), {0, 0, 1, 0});
  expect_probs(t.at(12), {0.5f, 0, 0.5f, 0});
  expect_probs(t.at(14), {0.75f, 0, 0.25f, 0});
  expect_probs(t.at(16), {1, 0, 0, 0});
  expect_probs(t.at(100), {1, 0, 0, 0});
}

TEST(EmotionTrajectory, HoldsFirstKeyframeBeforeIt) {
  auto t = EmotionTrajectory::parse("calm@4, tense@8");
  expect_probs(t.at(0), {0, 0, 0, 1});
  expect_probs(t.at(6), {0, 0.5f, 0, 0.5f});
}

TEST(EmotionTrajectory, ParseSortsKeyframesAndAcceptsMixes) {
  auto t = EmotionTrajectory::parse("Q1@10,0.5;0.5;0;0@0,va:-1;-1@20");
  ASSERT_EQ(t.keyframes().size(), 3u);
  EXPECT_EQ(t.keyframes()[0].bar, 0.0);
  EXPECT_EQ(t.keyframes()[1].bar, 10.0);
  EXPECT_EQ(t.keyframes()[2].bar, 20.0);
  expect_probs(t.at(5), {0.75f, 0.25f, 0, 0});
  expect_probs(t.at(20), {0, 0, 1, 0});
}

TEST(EmotionTrajectory, SameBarTwiceIsAStepChange) {
  auto t = EmotionTrajectory::parse("Q3@0,Q3@8,Q1@8");
  expect_probs(t.at(7.9), {0, 0, 1, 0});
  expect_probs(t.at(8), {1, 0, 0, 0});
}

TEST(EmotionTrajectory, ParseWithoutBarsIsConstant) {
  auto t = EmotionTrajectory::parse("0.1,0.6,0.2,0.1");
  ASSERT_EQ(t.keyframes().size(), 1u);
  EXPECT_EQ(t.at(42).to_string(), "0.10,0.60,0.20,0.10");
}

TEST(EmotionTrajectory, ParseRejectsMalformedText) {
  auto msg = invalid_argument_message([] { EmotionTrajectory::parse("Q3@0,Q1"); });
  EXPECT_NE(msg.find("'Q1'"), std::string::npos) << msg;
  msg = invalid_argument_message([] { EmotionTrajectory::parse("Q3@0,Q1@-2"); });
  EXPECT_NE(msg.find("-2"), std::string::npos) << msg;
  msg = invalid_argument_message([] { EmotionTrajectory::parse("Q3@x"); });
  EXPECT_NE(msg.find("'x'"), std::string::npos) << msg;
  invalid_argument_message([] { EmotionTrajectory::parse(""); });
  invalid_argument_message([] { EmotionTrajectory::parse("Q3@0,,Q1@4"); });
  invalid_argument_message([] { EmotionTrajectory::parse("angry@0"); });
  invalid_argument_message([] { EmotionTrajectory::parse("Q1@inf"); });
}

TEST(EmotionTrajectory, ConstructorRejectsBadBars) {
  using K = EmotionTrajectory::Keyframe;
  invalid_argument_message([] { EmotionTrajectory({K{-1.0, EmotionMix()}}); });
  invalid_argument_message([] { EmotionTrajectory({K{0.0, EmotionMix()}, K{std::nan(""), EmotionMix()}}); });
}

}  // namespace
}  // namespace emopiano
