// Training the emotion classifier: a tiny one learns to tell high pieces from
// low ones; the shipped one beats the EMOPIA paper's logistic-regression row.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/impl_access.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"
#include "emopiano/evaluation.hpp"
#include "model/emotion_classifier.hpp"
#include "support/test_support.hpp"
#include "train/tiny_corpus.hpp"

namespace emopiano {
namespace {

// High pieces (labelled Q1) and low pieces (labelled Q3) with varied melodies.
std::vector<test::TinyPiece> high_and_low(int per_class_train) {
  std::vector<test::TinyPiece> out;
  for (int i = 0; i < per_class_train + 4; ++i) {
    const std::string split = i < per_class_train ? "train" : i < per_class_train + 2 ? "val" : "test";
    std::vector<int> shape = {0, 2 + i % 3, 4, 7 - i % 2, 5, 9 - i % 4};
    std::vector<int> high, low;
    for (int s : shape) high.push_back(80 + s + i % 5), low.push_back(36 + s + i % 5);
    out.push_back({"high" + std::to_string(i), test::melody(high, 2 + i % 3), "Q1", split});
    out.push_back({"low" + std::to_string(i), test::melody(low, 2 + i % 3), "Q3", split});
  }
  return out;
}

TEST(ClassifierTrainer, TinyClassifierSeparatesHighFromLowPieces) {
  Dataset data = test::load_corpus(test::write_corpus("cls_high_low", high_and_low(10)));
  ClassifierConfig cc;
  cc.n_layers = 1;
  cc.d_model = 32;
  cc.n_heads = 2;
  cc.d_ff = 64;
  cc.window = 48;
  cc.dropout = 0.0f;
  EmotionClassifier classifier = EmotionClassifier::create(cc, {}, 11);
  // Untrained, it cannot tell them apart reliably.
  ClassifierTrainerConfig tc;
  tc.max_steps = 300;
  tc.batch_size = 8;
  tc.learning_rate = 2e-3;
  tc.warmup_steps = 20;
  tc.eval_every = 100;
  tc.threads = 1;
  tc.transpose_min = -3;
  tc.transpose_max = 3;
  tc.bf16 = Bf16Mode::off;
  int validations = 0;
  ClassifierTrainerHooks hooks;
  hooks.on_validation = [&](const ClassifierValidation& v) {
    ++validations;
    EXPECT_GE(v.validation_accuracy, 0.0);
    EXPECT_LE(v.validation_accuracy, 1.0);
  };
  ClassifierTrainResult r = train_classifier(classifier, data, tc, hooks);
  EXPECT_EQ(r.steps, 300);
  EXPECT_EQ(validations, 3);
  EXPECT_DOUBLE_EQ(r.best_validation_accuracy, 1.0);
  EmotionAccuracy test;
  for (const DatasetItem* item : data.split(Split::test)) {
    auto p = classifier.classify_tokens(item->tokens);
    test.add(item->label, p);
    EXPECT_GT(p.probabilities[static_cast<int>(item->label)], 0.6) << item->name;
  }
  EXPECT_EQ(test.total, 4);
  EXPECT_EQ(test.correct(), 4);
  auto meta = nlohmann::json::parse(classifier.metadata_json());
  EXPECT_EQ(meta["training"]["steps"], 300);
  EXPECT_EQ(meta["training"]["best_step"], r.best_step);
}

TEST(ClassifierTrainer, FeatureClassifierSeparatesHighFromLowPieces) {
  Dataset data = test::load_corpus(test::write_corpus("cls_features", high_and_low(10)));
  ClassifierConfig cc;
  cc.architecture = "features";
  EmotionClassifier classifier = EmotionClassifier::create(cc, {}, 1);
  ClassifierTrainerConfig tc;
  tc.max_steps = 200;
  tc.learning_rate = 0.05;
  tc.weight_decay = 0.001;
  tc.threads = 1;
  std::vector<double> accuracies;
  ClassifierTrainerHooks hooks;
  hooks.on_validation = [&](const ClassifierValidation& v) { accuracies.push_back(v.validation_accuracy); };
  ClassifierTrainResult r = train_classifier(classifier, data, tc, hooks);
  EXPECT_EQ(accuracies.size(), 3u) << "three L2 strengths";
  EXPECT_EQ(r.steps, 600);
  EXPECT_DOUBLE_EQ(r.best_validation_accuracy, 1.0);
  for (const DatasetItem* item : data.split(Split::test)) {
    auto p = classifier.classify_tokens(item->tokens);
    EXPECT_EQ(p.quadrant, item->label) << item->name;
  }
}

// Training works on a copy: a copy of the handle made before (as another
// thread classifying with it would hold) keeps its weights and metadata, and
// the trained classifier is left in eval mode.
TEST(ClassifierTrainer, TrainsACopyAndLeavesOtherHandlesAlone) {
  Dataset data = test::load_corpus(test::write_corpus("cls_copy", high_and_low(2)));
  ClassifierConfig cc;
  cc.n_layers = 1;
  cc.d_model = 16;
  cc.n_heads = 2;
  cc.d_ff = 16;
  cc.window = 16;
  cc.dropout = 0.1f;
  EmotionClassifier classifier = EmotionClassifier::create(cc, {}, 3);
  const EmotionClassifier shared = classifier;
  const std::vector<int32_t>& tokens = data.items().front().tokens;
  const EmotionPrediction before = shared.classify_tokens(tokens);
  ClassifierTrainerConfig tc;
  tc.max_steps = 4;
  tc.batch_size = 2;
  tc.learning_rate = 1e-2;
  tc.warmup_steps = 0;
  tc.eval_every = 2;
  tc.threads = 1;
  tc.bf16 = Bf16Mode::off;
  train_classifier(classifier, data, tc);

  const EmotionPrediction after_shared = shared.classify_tokens(tokens);
  const EmotionPrediction trained = classifier.classify_tokens(tokens);
  for (int q = 0; q < 4; ++q) EXPECT_EQ(after_shared.probabilities[q], before.probabilities[q]) << q;
  EXPECT_NE(trained.probabilities, before.probabilities) << "training changed nothing";
  EXPECT_EQ(shared.metadata_json(), "{}");
  EXPECT_TRUE(nlohmann::json::parse(classifier.metadata_json()).contains("training"));
  EXPECT_FALSE(impl_of(classifier).module().is_training());
  EXPECT_FALSE(impl_of(shared).module().is_training());
}

TEST(ClassifierTrainer, CancelStopsTraining) {
  Dataset data = test::load_corpus(test::write_corpus("cls_cancel", high_and_low(2)));
  ClassifierConfig cc;
  cc.n_layers = 1;
  cc.d_model = 16;
  cc.n_heads = 2;
  cc.d_ff = 16;
  cc.window = 16;
  EmotionClassifier classifier = EmotionClassifier::create(cc, {}, 1);
  ClassifierTrainerConfig tc;
  tc.max_steps = 1000;
  tc.threads = 1;
  ClassifierTrainerHooks hooks;
  int calls = 0;
  hooks.progress = [&](const ProgressInfo& info) { return ++calls < 5; };
  try {
    train_classifier(classifier, data, tc, hooks);
    ADD_FAILURE() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled);
  }
  EXPECT_EQ(calls, 5);
  // A cancelled run leaves the handle as it was.
  EXPECT_EQ(classifier.metadata_json(), "{}");
}

TEST(ClassifierTrainer, ConfigIsValidated) {
  ClassifierTrainerConfig tc;
  tc.transpose_min = 2;
  EXPECT_THROW(tc.validate(), Error);
  tc = {};
  tc.batch_size = 0;
  EXPECT_THROW(tc.validate(), Error);
}

// The shipped classifier on the EMOPIA test split (88 clips), against the
// EMOPIA paper's symbolic logistic-regression row (.581 4Q accuracy).
TEST(ShippedClassifier, BeatsLogisticRegressionOnEmopiaTestSplit) {
  EMOPIANO_NEED_EMOPIA();
  std::filesystem::path path;
  try {
    path = bundled_classifier_path();
  } catch (const Error&) {
    EMOPIANO_MISSING("the shipped classifier");
  }
  EmotionClassifier classifier = EmotionClassifier::load(path);
  DatasetOptions o;
  o.tokenizer = classifier.tokenizer().config();
  o.threads = 2;
  Dataset data = Dataset::load(test::emopia_dir(), o);
  EmotionAccuracy test;
  for (const DatasetItem* item : data.split(Split::test))
    test.add(item->label, classifier.classify_tokens(item->tokens));
  EXPECT_EQ(test.total, 88);
  EXPECT_GT(test.accuracy(), 0.581) << test.to_json();
  // The figures docs/evaluation.md gives for it (.670 / .932 / .727 of 88
  // clips: 59, 82 and 64 right); the classifier is deterministic.
  EXPECT_NEAR(test.accuracy(), 59.0 / 88.0, 1e-9) << test.to_json();
  EXPECT_NEAR(test.arousal_accuracy(), 82.0 / 88.0, 1e-9) << test.to_json();
  EXPECT_NEAR(test.valence_accuracy(), 64.0 / 88.0, 1e-9) << test.to_json();
  RecordProperty("test_4q", std::to_string(test.accuracy()));
  RecordProperty("test_arousal", std::to_string(test.arousal_accuracy()));
  RecordProperty("test_valence", std::to_string(test.valence_accuracy()));
}

}  // namespace
}  // namespace emopiano
