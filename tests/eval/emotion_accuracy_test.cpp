// Confusion matrix and accuracy arithmetic; labels from file names.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "emopiano/evaluation.hpp"

namespace emopiano {
namespace {

EmotionPrediction predict(std::array<double, 4> p) {
  EmotionPrediction out;
  out.probabilities = p;
  out.quadrant = static_cast<Quadrant>(std::max_element(p.begin(), p.end()) - p.begin());
  out.arousal = p[0] + p[1];
  out.valence = p[0] + p[3];
  return out;
}

TEST(EmotionAccuracy, ConfusionRowsAreTruthColumnsArePredictions) {
  EmotionAccuracy a;
  a.add(Quadrant::Q1, predict({0.7, 0.1, 0.1, 0.1}));           // right
  a.add(Quadrant::Q1, predict({0.1, 0.6, 0.2, 0.1}));           // Q2: arousal right, valence wrong
  a.add(Quadrant::Q2, predict({0.1, 0.2, 0.6, 0.1}));           // Q3: arousal wrong, valence right
  a.add(Quadrant::Q3, predict({0.0, 0.1, 0.8, 0.1}));           // right
  a.add(Quadrant::Q4, predict({0.45, 0.0, 0.1, 0.45 + 1e-9}));  // Q4 right; valence .9 right, arousal .45 right
  EXPECT_EQ(a.total, 5);
  EXPECT_EQ(a.confusion[0][0], 1);
  EXPECT_EQ(a.confusion[0][1], 1);
  EXPECT_EQ(a.confusion[1][2], 1);
  EXPECT_EQ(a.confusion[2][2], 1);
  EXPECT_EQ(a.confusion[3][3], 1);
  EXPECT_EQ(a.correct(), 3);
  EXPECT_DOUBLE_EQ(a.accuracy(), 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(a.arousal_accuracy(), 4.0 / 5.0);
  EXPECT_DOUBLE_EQ(a.valence_accuracy(), 4.0 / 5.0);
  EXPECT_DOUBLE_EQ(a.recall(Quadrant::Q1), 0.5);
  EXPECT_DOUBLE_EQ(a.recall(Quadrant::Q2), 0.0);
  EXPECT_DOUBLE_EQ(a.recall(Quadrant::Q3), 1.0);
  auto j = nlohmann::json::parse(a.to_json());
  EXPECT_EQ(j["total"], 5);
  EXPECT_EQ(j["confusion"][1][2], 1);
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), 0.6);
}

TEST(EmotionAccuracy, EmptyIsZeroNotNaN) {
  EmotionAccuracy a;
  EXPECT_EQ(a.accuracy(), 0.0);
  EXPECT_EQ(a.recall(Quadrant::Q4), 0.0);
}

TEST(EmotionAccuracy, ArousalAndValenceHalves) {
  EXPECT_TRUE(high_arousal(Quadrant::Q1));
  EXPECT_TRUE(high_arousal(Quadrant::Q2));
  EXPECT_FALSE(high_arousal(Quadrant::Q3));
  EXPECT_FALSE(high_arousal(Quadrant::Q4));
  EXPECT_TRUE(positive_valence(Quadrant::Q1));
  EXPECT_FALSE(positive_valence(Quadrant::Q2));
  EXPECT_FALSE(positive_valence(Quadrant::Q3));
  EXPECT_TRUE(positive_valence(Quadrant::Q4));
}

TEST(QuadrantFromPath, PrefixOrFolder) {
  EXPECT_EQ(quadrant_from_path("x/Q3_abc_1.mid"), Quadrant::Q3);
  EXPECT_EQ(quadrant_from_path("data/Q2/piece.mid"), Quadrant::Q2);
  EXPECT_EQ(quadrant_from_path("data/Q1/Q4_a.mid"), Quadrant::Q4);
  EXPECT_FALSE(quadrant_from_path("data/Q5_x.mid").has_value());
  EXPECT_FALSE(quadrant_from_path("data/Q12/x.mid").has_value());
  EXPECT_FALSE(quadrant_from_path("song.mid").has_value());
}

}  // namespace
}  // namespace emopiano
