// Starting a run from a trained model: accepted only when its architecture
// and vocabulary are the ones the run asks for.
#include <gtest/gtest.h>

#include <functional>

#include "emopiano/error.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/trainer.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

ModelConfig small() {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 64;
  c.context_length = 64;
  c.max_bars = 16;
  return c;
}

TokenizerConfig keys() {
  TokenizerConfig t;
  t.use_key = true;
  t.emotion_token = false;
  return t;
}

std::string error_message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(FineTuning, MatchingModelLoadsWithItsWeights) {
  const auto path = test::temp_dir("finetune") / "pre.pt";
  Model pre = Model::create(small(), keys(), 3);
  pre.save(path);
  const ModelConfig mc = small();
  const TokenizerConfig tc = keys();
  Model m = load_model_for_fine_tuning(path, &mc, &tc);
  EXPECT_EQ(m.parameter_count(), pre.parameter_count());
  // Null expectations check nothing (the sections the config leaves out).
  EXPECT_NO_THROW(load_model_for_fine_tuning(path, nullptr, nullptr));
  // Dropout is not architecture.
  ModelConfig other_dropout = small();
  other_dropout.dropout = 0.3f;
  EXPECT_NO_THROW(load_model_for_fine_tuning(path, &other_dropout, &tc));
}

TEST(FineTuning, MismatchedArchitectureOrVocabularyIsRefusedNamingEachDifference) {
  const auto path = test::temp_dir("finetune-bad") / "pre.pt";
  Model::create(small(), keys(), 3).save(path);
  ModelConfig wider = small();
  wider.d_model = 64;
  wider.n_layers = 3;
  const TokenizerConfig tc = keys();
  std::string m = error_message_of([&] { load_model_for_fine_tuning(path, &wider, &tc); });
  EXPECT_NE(m.find("cannot be fine-tuned"), std::string::npos) << m;
  EXPECT_NE(m.find("d_model is 32 in the model, 64 in the config"), std::string::npos) << m;
  EXPECT_NE(m.find("n_layers is 2 in the model, 3 in the config"), std::string::npos) << m;
  EXPECT_NE(m.find(path.string()), std::string::npos) << m;

  const ModelConfig mc = small();
  const TokenizerConfig plain;  // no Key tokens: another vocabulary
  m = error_message_of([&] { load_model_for_fine_tuning(path, &mc, &plain); });
  EXPECT_NE(m.find("tokenizer differs"), std::string::npos) << m;
  EXPECT_NE(m.find("265 tokens in the model, 241 in the config"), std::string::npos) << m;
}

TEST(FineTuning, MissingOrCorruptFileIsAClearError) {
  const auto dir = test::temp_dir("finetune-missing");
  EXPECT_THROW(load_model_for_fine_tuning(dir / "none.pt", nullptr, nullptr), Error);
}

}  // namespace
}  // namespace emopiano

namespace emopiano {
namespace {

TEST(FineTuning, AnotherGridKeepsTheWeightsUnderTheRunsTokenizer) {
  const auto path = test::temp_dir("finetune-grid") / "pre.pt";
  TokenizerConfig score_grid = keys();
  score_grid.grid = "score";
  Model pre = Model::create(small(), score_grid, 3);
  pre.set_metadata_json(R"({"training": {"steps": 7}})");
  pre.save(path);
  const ModelConfig mc = small();
  const TokenizerConfig tc = keys();  // grid "auto"
  Model m = load_model_for_fine_tuning(path, &mc, &tc);
  EXPECT_EQ(m.tokenizer().config().grid, "auto");
  EXPECT_EQ(m.metadata_json(), pre.metadata_json());
  // Same weights: the same greedy piece.
  EXPECT_EQ(m.tokenizer().vocab_size(), pre.tokenizer().vocab_size());
  auto greedy = [](const Model& model) {
    Sampler sampler(model);
    GenerationRequest r;
    r.params.temperature = 0.0f;
    r.params.max_tokens = 40;
    r.key = MusicalKey{0, true};
    return sampler.generate(r).tokens;
  };
  EXPECT_EQ(greedy(pre), greedy(m));
}

}  // namespace
}  // namespace emopiano
