// The VAE's targets on a tiny overfitted model: a memorised segment decodes
// back from its latent, interpolating between two memorised segments leaves
// the first and reaches the second monotonically, a transform keeps part of
// the piece, and the musical attribute vectors are computed and used.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "emopiano/error.hpp"
#include "emopiano/vae.hpp"
#include "emopiano/vae_attributes.hpp"
#include "emopiano/vae_targets.hpp"
#include "train/tiny_corpus.hpp"
#include "vae/segment_attributes.hpp"
#include "vae/tiny_vae.hpp"

namespace emopiano {
namespace {

VaeConfig one_bar_vae() { return test::tiny_vae(1, 96); }

VaeTrainerConfig quick_autoencoder(int64_t steps) {
  // 3e-3 stalled with one token left to chance on an AVX2-only AMD CPU (its
  // kernels round differently); 1e-3 memorised the corpus there by step 600
  // with each of five seeds.
  return test::autoencoder_training(steps, 8, 1e-3);
}

// Two melodies, a high and a low one, each in two quadrants: the emotion
// does not tell which melody a segment holds, only z does. (Pieces are
// listed by name, so the evaluation pairs m0 with m1.)
std::filesystem::path two_melody_corpus() {
  std::vector<test::TinyPiece> pieces;
  for (int v = 0; v < 2; ++v) {
    std::vector<int> pitches;
    for (int i = 0; i < 8; ++i) pitches.push_back(v == 0 ? 72 + (i * 5) % 12 : 48 + (i * 7) % 12);
    for (const char* q : {"Q1", "Q3"})
      pieces.push_back({"m" + std::to_string(v) + "-" + q, test::melody(pitches, 3), q, "train"});
  }
  return test::write_corpus("vae-targets", pieces);
}

class VaeTargets : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = std::make_unique<Dataset>(test::load_corpus(two_melody_corpus()));
    VaeTrainer trainer(EmotionVae::create(one_bar_vae(), TokenizerConfig{}, 3), *data_, quick_autoencoder(1500));
    trainer.run();
    vae_ = std::make_unique<EmotionVae>(with_attribute_vectors(trainer.vae(), *data_));
  }
  static std::unique_ptr<Dataset> data_;
  static std::unique_ptr<EmotionVae> vae_;
};
std::unique_ptr<Dataset> VaeTargets::data_;
std::unique_ptr<EmotionVae> VaeTargets::vae_;

TEST_F(VaeTargets, MemorisedSegmentsDecodeBackAndInterpolateMonotonically) {
  VaeTargetOptions o;
  o.pairs = 1;
  o.steps = 6;
  o.transform_pieces = 0;
  const VaeTargetEvaluation r = evaluate_vae_targets(*vae_, *data_, Split::train, nullptr, o);
  ASSERT_EQ(r.pairs, 1);
  ASSERT_EQ(r.f1_to_a[0].size(), 6u);
  // The ends are the memorised segments themselves.
  EXPECT_DOUBLE_EQ(r.f1_to_a[0].front(), 1.0);
  EXPECT_DOUBLE_EQ(r.f1_to_b[0].back(), 1.0);
  EXPECT_LT(r.f1_to_a[0].back(), 0.5);
  EXPECT_LT(r.f1_to_b[0].front(), 0.5);
  EXPECT_DOUBLE_EQ(r.monotone_fraction, 1.0);
  EXPECT_DOUBLE_EQ(r.valid_middle_steps, 1.0);
}

// Spans: the pieces' first three segments interpolated segment by segment.
// The ends are the memorised spans, and the path leaves A and reaches B.
TEST_F(VaeTargets, SpansOfSegmentsInterpolateMonotonically) {
  VaeTargetOptions o;
  o.pairs = 1;
  o.steps = 6;
  o.span_segments = 3;
  o.transform_pieces = 0;
  const VaeTargetEvaluation r = evaluate_vae_targets(*vae_, *data_, Split::train, nullptr, o);
  ASSERT_EQ(r.span_segments, 3);
  ASSERT_EQ(r.span_f1_to_a.size(), 1u);
  ASSERT_EQ(r.span_f1_to_a[0].size(), 6u);
  EXPECT_DOUBLE_EQ(r.span_f1_to_a[0].front(), 1.0);
  EXPECT_DOUBLE_EQ(r.span_f1_to_b[0].back(), 1.0);
  EXPECT_LT(r.span_f1_to_a[0].back(), 0.5);
  EXPECT_LT(r.span_f1_to_b[0].front(), 0.5);
  EXPECT_DOUBLE_EQ(r.span_monotone_fraction, 1.0);
  EXPECT_DOUBLE_EQ(r.span_valid_middle_steps, 1.0);
  EXPECT_NE(r.to_json().find("\"span_monotone_fraction\""), std::string::npos);

  o.span_segments = 0;  // left out
  EXPECT_EQ(evaluate_vae_targets(*vae_, *data_, Split::train, nullptr, o).span_f1_to_a.size(), 0u);
  o.span_segments = -1;
  EXPECT_THROW(evaluate_vae_targets(*vae_, *data_, Split::train, nullptr, o), Error);
}

// Accuracy by kind of token: every evaluated target is counted once under
// its kind, the kinds' accuracies average to the overall one, and a memorised
// segment's pitches are predicted.
TEST_F(VaeTargets, AccuracyByKindSplitsTheTeacherForcedAccuracy) {
  VaeEvaluationOptions o;
  o.max_segments = 8;
  o.interpolation_pairs = 0;
  o.transform_pieces = 0;
  const VaeEvaluation r = evaluate_vae(*vae_, *data_, Split::train, nullptr, o);
  ASSERT_FALSE(r.accuracy_by_kind.empty());
  int64_t total = 0;
  double hits = 0.0;
  for (size_t i = 0; i < r.accuracy_by_kind.size(); ++i) {
    const auto& k = r.accuracy_by_kind[i];
    EXPECT_GT(k.tokens, 0) << k.kind;
    EXPECT_EQ(k.kind.find('_'), std::string::npos) << k.kind;
    if (i > 0) EXPECT_LE(k.tokens, r.accuracy_by_kind[i - 1].tokens) << k.kind;
    for (size_t j = 0; j < i; ++j) EXPECT_NE(k.kind, r.accuracy_by_kind[j].kind);
    total += k.tokens;
    hits += k.accuracy * static_cast<double>(k.tokens);
  }
  EXPECT_NEAR(hits / static_cast<double>(total), r.teacher_forced_accuracy, 1e-9);
  const auto pitch = std::find_if(r.accuracy_by_kind.begin(), r.accuracy_by_kind.end(),
                                  [](const VaeTokenKindAccuracy& k) { return k.kind == "Pitch"; });
  ASSERT_NE(pitch, r.accuracy_by_kind.end());
  EXPECT_GE(pitch->accuracy, 0.9);
  EXPECT_NE(r.to_json().find("\"accuracy_by_kind\""), std::string::npos);
}

TEST_F(VaeTargets, TransformKeepsPartOfThePiece) {
  VaeTargetOptions o;
  o.pairs = 0;
  o.transform_pieces = 1;
  o.strength = 0.5f;
  const VaeTargetEvaluation r = evaluate_vae_targets(*vae_, *data_, Split::train, nullptr, o);
  EXPECT_GT(r.transform_cases, 0);
  EXPECT_GE(r.kept_notes, 0.4);
  EXPECT_LE(r.kept_notes, 1.0);
}

TEST_F(VaeTargets, AttributeVectorsPointFromTheBottomQuartileToTheTop) {
  for (int a = 0; a < kVaeAttributeCount; ++a) {
    ASSERT_TRUE(has_attribute_vector(*vae_, VaeAttribute(a))) << vae_attribute_name(VaeAttribute(a));
    EXPECT_EQ(attribute_vector(*vae_, VaeAttribute(a)).size(), 8u);
  }
  // The dense high melody is the top of density and the sparse low one the bottom:
  // moving the sparse one by the density vector moves it toward the dense one.
  const auto dense = attribute_vector(*vae_, VaeAttribute::density);
  double norm = 0;
  for (float v : dense) norm += static_cast<double>(v) * v;
  EXPECT_GT(norm, 0.0);
  EXPECT_THROW(attribute_vector(EmotionVae::create(one_bar_vae(), TokenizerConfig{}, 1), VaeAttribute::mode), Error);
  EXPECT_EQ(parse_vae_attribute("dense").attribute, VaeAttribute::density);
  EXPECT_EQ(parse_vae_attribute("minor").sign, -1);
  EXPECT_THROW(parse_vae_attribute("louder"), Error);
}

TEST(SegmentAttributes, MeasureDensityRangeSyncopationAndMode) {
  Score s;
  s.ticks_per_beat = 480;
  // C major arpeggio on the beats, one note off the beat.
  const int pitches[] = {60, 64, 67, 72};
  for (int i = 0; i < 4; ++i) s.notes.push_back(Note{pitches[i], 80, i * 480, i * 480 + 240});
  s.notes.push_back(Note{76, 80, 1680, 1900});
  const auto a = vae::segment_attributes(s, 1);
  EXPECT_DOUBLE_EQ(a[static_cast<size_t>(VaeAttribute::density)], 5.0);
  EXPECT_DOUBLE_EQ(a[static_cast<size_t>(VaeAttribute::pitch_range)], 16.0);
  EXPECT_DOUBLE_EQ(a[static_cast<size_t>(VaeAttribute::syncopation)], 0.2);
  EXPECT_GT(a[static_cast<size_t>(VaeAttribute::mode)], 0.0);  // major
  const auto none = vae::segment_attributes(Score{}, 1);
  for (double v : none) EXPECT_EQ(v, 0.0);
}

}  // namespace
}  // namespace emopiano
