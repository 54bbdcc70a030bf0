// The emotion classifier: network shapes, probabilities, window averaging,
// and its file (round trip, damaged files, not mistaken for a generator).
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <fstream>
#include <numeric>

#include "core/impl_access.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "model/classifier_input.hpp"
#include "model/emotion_classifier.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

ClassifierConfig tiny_classifier_config() {
  ClassifierConfig c;
  c.n_layers = 2;
  c.d_model = 32;
  c.n_heads = 4;
  c.d_ff = 64;
  c.window = 24;
  c.max_windows = 4;
  c.dropout = 0.0f;
  return c;
}

// A valid token sequence of `notes` notes (BOS, emotion, notes, EOS).
std::vector<int32_t> piece_tokens(const Tokenizer& tok, int notes, int base_pitch, Quadrant emotion) {
  Score s;
  s.ticks_per_beat = 480;
  s.tempos = {{0, 0.0, 120.0}};
  s.time_signatures = {{0, 4, 4}};
  for (int i = 0; i < notes; ++i) {
    Note n;
    n.pitch = base_pitch + (i * 5) % 12;
    n.velocity = 64 + (i % 3) * 10;
    n.start_tick = i * 240;
    n.end_tick = n.start_tick + 240;
    s.notes.push_back(n);
  }
  s.normalize();
  s.update_seconds();
  return tok.encode(s, emotion);
}

double sum(const std::array<double, 4>& p) { return p[0] + p[1] + p[2] + p[3]; }

TEST(EmotionClassifier, ForwardGivesFourLogitsPerRow) {
  auto c = EmotionClassifier::create(tiny_classifier_config(), {}, 1);
  auto& net = *impl_of(c).net;
  auto tokens = torch::randint(0, c.tokenizer().vocab_size(), {3, 17}, torch::kLong);
  auto positions = torch::randint(0, 16, {3, 17}, torch::kLong);
  auto mask = torch::ones({3, 17});
  auto logits = net.forward(tokens, positions, mask);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
  // A window longer than the encoder's is refused.
  auto long_tokens = torch::zeros({1, 25}, torch::kLong);
  EXPECT_THROW(net.forward(long_tokens, long_tokens, torch::ones({1, 25})), Error);
}

TEST(EmotionClassifier, PaddingDoesNotChangeTheResult) {
  // Causal attention and the masked mean: a row padded to a longer batch
  // gets the same logits as the row alone.
  auto c = EmotionClassifier::create(tiny_classifier_config(), {}, 2);
  auto& net = *impl_of(c).net;
  torch::NoGradGuard no_grad;
  auto tokens = torch::randint(4, c.tokenizer().vocab_size(), {1, 10}, torch::kLong);
  auto positions = torch::randint(0, 16, {1, 10}, torch::kLong);
  auto alone = net.forward(tokens, positions, torch::ones({1, 10}));
  auto padded_tokens = torch::cat({tokens, torch::full({1, 6}, c.tokenizer().pad_id(), torch::kLong)}, 1);
  auto padded_positions = torch::cat({positions, torch::zeros({1, 6}, torch::kLong)}, 1);
  auto mask = torch::cat({torch::ones({1, 10}), torch::zeros({1, 6})}, 1);
  auto padded = net.forward(padded_tokens, padded_positions, mask);
  EXPECT_TRUE(torch::allclose(alone, padded, 1e-5, 1e-5)) << alone << padded;
}

TEST(EmotionClassifier, PredictionIsADistributionWithArousalAndValence) {
  auto c = EmotionClassifier::create(tiny_classifier_config(), {}, 3);
  auto tokens = piece_tokens(c.tokenizer(), 6, 60, Quadrant::Q2);
  auto p = c.classify_tokens(tokens);
  EXPECT_NEAR(sum(p.probabilities), 1.0, 1e-9);
  for (double x : p.probabilities) EXPECT_GT(x, 0.0);
  EXPECT_NEAR(p.arousal, p.probabilities[0] + p.probabilities[1], 1e-12);
  EXPECT_NEAR(p.valence, p.probabilities[0] + p.probabilities[3], 1e-12);
  const int best =
      static_cast<int>(std::max_element(p.probabilities.begin(), p.probabilities.end()) - p.probabilities.begin());
  EXPECT_EQ(static_cast<int>(p.quadrant), best);
  const auto length = static_cast<int64_t>(detail::make_classifier_input(c.tokenizer(), tokens).tokens.size());
  EXPECT_EQ(p.windows, static_cast<int>(detail::inference_window_starts(length, 24, 4).size()));
}

TEST(EmotionClassifier, EmotionTokenIsIgnored) {
  // The label must not leak into the input: the same piece encoded with
  // different emotion tokens, or none, gets the same prediction.
  auto c = EmotionClassifier::create(tiny_classifier_config(), {}, 4);
  auto q1 = c.classify_tokens(piece_tokens(c.tokenizer(), 5, 60, Quadrant::Q1));
  auto q3 = c.classify_tokens(piece_tokens(c.tokenizer(), 5, 60, Quadrant::Q3));
  for (int q = 0; q < 4; ++q) EXPECT_DOUBLE_EQ(q1.probabilities[q], q3.probabilities[q]);
  auto in = detail::make_classifier_input(c.tokenizer(), piece_tokens(c.tokenizer(), 5, 60, Quadrant::Q4));
  for (int32_t id : in.tokens) EXPECT_FALSE(c.tokenizer().emotion_of(id).has_value());
}

TEST(EmotionClassifier, LongPiecesAverageTheirWindows) {
  auto c = EmotionClassifier::create(tiny_classifier_config(), {}, 5);
  auto tokens = piece_tokens(c.tokenizer(), 40, 55, Quadrant::Q1);
  auto input = detail::make_classifier_input(c.tokenizer(), tokens);
  ASSERT_GT(input.tokens.size(), 3u * 24u);
  auto starts = detail::inference_window_starts(static_cast<int64_t>(input.tokens.size()), 24, 4);
  ASSERT_EQ(starts.size(), 4u);
  // Each window on its own, then the mean.
  auto& net = *impl_of(c).net;
  torch::NoGradGuard no_grad;
  std::array<double, 4> mean{};
  for (int64_t s : starts) {
    auto t = torch::tensor(std::vector<int64_t>(input.tokens.begin() + s, input.tokens.begin() + s + 24)).unsqueeze(0);
    auto p =
        torch::tensor(std::vector<int64_t>(input.positions.begin() + s, input.positions.begin() + s + 24)).unsqueeze(0);
    auto probs = torch::softmax(net.forward(t, p, torch::ones({1, 24})), -1);
    for (int q = 0; q < 4; ++q) mean[q] += probs[0][q].item<double>() / static_cast<double>(starts.size());
  }
  auto pred = c.classify_tokens(tokens);
  EXPECT_EQ(pred.windows, 4);
  for (int q = 0; q < 4; ++q) EXPECT_NEAR(pred.probabilities[q], mean[q], 1e-5);
}

TEST(EmotionClassifier, WindowStartsCoverThePiece) {
  EXPECT_EQ(detail::inference_window_starts(10, 24, 8), (std::vector<int64_t>{0}));
  EXPECT_EQ(detail::inference_window_starts(24, 24, 8), (std::vector<int64_t>{0}));
  // 100 tokens, windows of 40 overlapping by about half: 4 windows, first at
  // 0, last ending at the end.
  EXPECT_EQ(detail::inference_window_starts(100, 40, 8), (std::vector<int64_t>{0, 20, 40, 60}));
  EXPECT_EQ(detail::inference_window_starts(1000, 40, 3), (std::vector<int64_t>{0, 480, 960}));
  EXPECT_EQ(detail::inference_window_starts(100, 40, 1), (std::vector<int64_t>{30}));
}

TEST(EmotionClassifier, PredictionFromProbabilitiesChecksItsInput) {
  auto p = prediction_from_probabilities({0.1, 0.2, 0.6, 0.1});
  EXPECT_EQ(p.quadrant, Quadrant::Q3);
  EXPECT_NEAR(p.arousal, 0.3, 1e-12);
  EXPECT_NEAR(p.valence, 0.2, 1e-12);
  EXPECT_THROW(prediction_from_probabilities({0.5, 0.5, 0.5, 0.0}), Error);
  EXPECT_THROW(prediction_from_probabilities({-0.1, 0.5, 0.6, 0.0}), Error);
}

TEST(EmotionClassifier, ConfigJsonRoundTripAndValidation) {
  ClassifierConfig c = tiny_classifier_config();
  EXPECT_EQ(ClassifierConfig::from_json(c.to_json()), c);
  EXPECT_THROW(ClassifierConfig::from_json(R"({"d_model": 30, "n_heads": 4})"), Error);
  EXPECT_THROW(ClassifierConfig::from_json(R"({"windw": 3})"), Error);
  EXPECT_THROW(ClassifierConfig::from_json("[1"), Error);
}

TEST(EmotionClassifierFile, RoundTripKeepsPredictionsAndMetadata) {
  auto dir = test::temp_dir("classifier_file");
  auto c = EmotionClassifier::create(tiny_classifier_config(), {}, 6);
  c.set_metadata_json(R"({"note": "x"})");
  c.save(dir / "c.pt");
  auto loaded = EmotionClassifier::load(dir / "c.pt");
  EXPECT_EQ(loaded.config(), c.config());
  EXPECT_EQ(loaded.tokenizer().config(), c.tokenizer().config());
  EXPECT_NE(loaded.metadata_json().find("\"note\""), std::string::npos);
  auto tokens = piece_tokens(c.tokenizer(), 30, 50, Quadrant::Q2);
  auto a = c.classify_tokens(tokens), b = loaded.classify_tokens(tokens);
  for (int q = 0; q < 4; ++q) EXPECT_DOUBLE_EQ(a.probabilities[q], b.probabilities[q]);
  // f16 storage: close, and half the size.
  c.save(dir / "c16.pt", WeightStorage::f16);
  auto h = EmotionClassifier::load(dir / "c16.pt").classify_tokens(tokens);
  for (int q = 0; q < 4; ++q) EXPECT_NEAR(h.probabilities[q], a.probabilities[q], 1e-2);
  EXPECT_LT(fs::file_size(dir / "c16.pt"), fs::file_size(dir / "c.pt") * 6 / 10);
}

TEST(EmotionClassifier, SetMetadataLeavesOtherCopiesAlone) {
  const auto c = EmotionClassifier::create(tiny_classifier_config(), {}, 2);
  auto renamed = c;
  renamed.set_metadata_json(R"({"name": "x"})");
  EXPECT_EQ(c.metadata_json(), "{}");
  EXPECT_EQ(renamed.metadata_json(), R"({"name":"x"})");
  EXPECT_EQ(impl_of(renamed).net.get(), impl_of(c).net.get()) << "the network is shared, not copied";
}

TEST(EmotionClassifier, CreatingLeavesTheHostsRandomDrawsAlone) {
  torch::manual_seed(5);
  const torch::Tensor expected = torch::rand({8});
  torch::manual_seed(5);
  EmotionClassifier::create(tiny_classifier_config(), {}, 1);
  EXPECT_TRUE(torch::equal(torch::rand({8}), expected));
}

TEST(EmotionClassifierFile, FeatureClassifierRoundTrip) {
  auto dir = test::temp_dir("classifier_features_file");
  ClassifierConfig config;
  config.architecture = "features";
  auto c = EmotionClassifier::create(config, {}, 1);
  {
    torch::NoGradGuard no_grad;
    auto& net = *impl_of(c).feature_net;
    net.head->weight.normal_(0.0, 1.0);
    net.mean.normal_(0.0, 1.0);
    net.scale.uniform_(0.5, 2.0);
  }
  auto tokens = piece_tokens(c.tokenizer(), 12, 48, Quadrant::Q3);
  auto a = c.classify_tokens(tokens);
  EXPECT_NEAR(sum(a.probabilities), 1.0, 1e-9);
  EXPECT_GT(*std::max_element(a.probabilities.begin(), a.probabilities.end()), 0.26) << "weights matter";
  c.save(dir / "f.pt");
  auto loaded = EmotionClassifier::load(dir / "f.pt");
  EXPECT_EQ(loaded.config().architecture, "features");
  auto b = loaded.classify_tokens(tokens);
  for (int q = 0; q < 4; ++q) EXPECT_DOUBLE_EQ(a.probabilities[q], b.probabilities[q]);
  // The emotion token does not change the features either.
  auto other = loaded.classify_tokens(piece_tokens(c.tokenizer(), 12, 48, Quadrant::Q1));
  for (int q = 0; q < 4; ++q) EXPECT_DOUBLE_EQ(other.probabilities[q], b.probabilities[q]);
}

TEST(EmotionClassifierFile, DamagedFilesAreRejectedByName) {
  auto dir = test::temp_dir("classifier_damaged");
  EmotionClassifier::create(tiny_classifier_config(), {}, 7).save(dir / "c.pt");
  std::string bytes;
  {
    std::ifstream in(dir / "c.pt", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto write = [&](const std::string& name, const std::string& b) {
    std::ofstream out(dir / name, std::ios::binary);
    out.write(b.data(), std::streamsize(b.size()));
    return dir / name;
  };
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x40;
  for (auto [name, b] : {std::pair<std::string, std::string>{"cut.pt", bytes.substr(0, bytes.size() - 100)},
                         {"flip.pt", flipped},
                         {"junk.pt", std::string(200, 'x')}}) {
    try {
      EmotionClassifier::load(write(name, b));
      ADD_FAILURE() << name << " loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::format) << e.what();
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(EmotionClassifier::load(dir / "absent.pt"), Error);
}

TEST(EmotionClassifierFile, GeneratorAndClassifierFilesAreNotConfused) {
  auto dir = test::temp_dir("classifier_kinds");
  EmotionClassifier::create(tiny_classifier_config(), {}, 8).save(dir / "c.pt");
  ModelConfig mc;
  mc.n_layers = 1;
  mc.d_model = 16;
  mc.n_heads = 2;
  mc.d_ff = 16;
  mc.context_length = 16;
  mc.max_bars = 4;
  Model::create(mc, {}, 1).save(dir / "m.pt");
  try {
    EmotionClassifier::load(dir / "m.pt");
    ADD_FAILURE() << "a generator loaded as a classifier";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not an emotion classifier"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Model::load(dir / "c.pt"), Error);
}

}  // namespace
}  // namespace emopiano
