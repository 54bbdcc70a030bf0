// evaluate_generator with a tiny untrained generator and classifier: every
// requested piece is generated, classified once and counted in its row.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>

#include "emopiano/error.hpp"
#include "emopiano/evaluation.hpp"
#include "emopiano/midi.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

Model tiny_generator() {
  ModelConfig c;
  c.n_layers = 1;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 32;
  c.context_length = 256;
  c.max_bars = 8;
  return Model::create(c, TokenizerConfig{}, 3);
}

EmotionClassifier tiny_classifier() {
  ClassifierConfig c;
  c.n_layers = 1;
  c.d_model = 16;
  c.n_heads = 2;
  c.d_ff = 16;
  c.window = 64;
  return EmotionClassifier::create(c, TokenizerConfig{}, 4);
}

TEST(GeneratorEvaluation, EveryPieceIsCountedInItsRequestedRow) {
  Model model = tiny_generator();
  EmotionClassifier classifier = tiny_classifier();
  GeneratorEvaluationOptions o;
  o.per_quadrant = 3;
  o.batch_size = 2;
  o.bars = 1;
  o.params.max_tokens = 120;
  o.params.seed = 9;
  std::array<int, 4> seen{};
  std::set<uint64_t> seeds;
  std::array<std::array<int64_t, 4>, 4> expected{};
  o.on_piece = [&](Quadrant q, int index, const GenerationResult& piece, const EmotionPrediction& p) {
    seen[static_cast<int>(q)] += 1;
    seeds.insert(piece.seed);
    EXPECT_LT(index, 3);
    // The evaluation's prediction is the classifier's on the piece's tokens.
    auto again = classifier.classify_tokens(piece.tokens);
    EXPECT_EQ(again.quadrant, p.quadrant);
    expected[static_cast<int>(q)][static_cast<int>(p.quadrant)] += 1;
  };
  int progress_calls = 0;
  o.progress = [&](const ProgressInfo& info) {
    ++progress_calls;
    EXPECT_LE(info.done, 12);
    return true;
  };
  GeneratorEvaluation r = evaluate_generator(model, classifier, o);
  EXPECT_EQ(seen, (std::array<int, 4>{3, 3, 3, 3}));
  EXPECT_EQ(seeds.size(), 12u) << "every piece has its own seed";
  EXPECT_EQ(r.accuracy.total, 12);
  EXPECT_EQ(r.accuracy.confusion, expected);
  for (int q = 0; q < 4; ++q) EXPECT_EQ(r.generated[q].pieces, 3);
  EXPECT_FALSE(r.has_reference);
  EXPECT_GT(progress_calls, 0);
  auto j = nlohmann::json::parse(r.to_json());
  EXPECT_EQ(j["accuracy"]["total"], 12);
  EXPECT_TRUE(j["generated"].contains("Q4"));
}

TEST(GeneratorEvaluation, CancelAndBadArguments) {
  Model model = tiny_generator();
  EmotionClassifier classifier = tiny_classifier();
  GeneratorEvaluationOptions o;
  o.per_quadrant = 4;
  o.bars = 1;
  o.params.max_tokens = 60;
  o.progress = [](const ProgressInfo&) { return false; };
  try {
    evaluate_generator(model, classifier, o);
    ADD_FAILURE() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled);
  }
  o.progress = {};
  o.per_quadrant = 0;
  EXPECT_THROW(evaluate_generator(model, classifier, o), Error);
}

TEST(GeneratorEvaluation, ReferenceMetricsPerQuadrantFromLabelledFiles) {
  auto dir = test::temp_dir("reference_metrics");
  std::filesystem::create_directories(dir / "Q2");
  Score s;
  s.ticks_per_beat = 480;
  s.tempos = {{0, 0.0, 120.0}};
  s.time_signatures = {{0, 4, 4}};
  for (int i = 0; i < 8; ++i) s.notes.push_back(Note{60 + i, 80, i * 480, i * 480 + 480});
  s.normalize();
  s.update_seconds();
  write_midi_file(s, dir / "Q1_a_0.mid");
  write_midi_file(s, dir / "Q1_b_0.mid");
  write_midi_file(s, dir / "Q2" / "c.mid");
  write_midi_file(s, dir / "unlabelled.mid");
  auto r = reference_metrics(dir);
  EXPECT_EQ(r[0].pieces, 2);
  EXPECT_EQ(r[1].pieces, 1);
  EXPECT_EQ(r[2].pieces, 0);
  EXPECT_EQ(r[3].pieces, 0);
  EXPECT_NEAR(r[0].mean.at("pitch_range"), 7.0, 1e-9);
  EXPECT_THROW(reference_metrics(test::temp_dir("reference_empty")), Error);
}

}  // namespace
}  // namespace emopiano
