// Classifier-free guidance, the null emotion, and the key of a generated
// piece (drawn from the model's key distribution, named by the user, or
// changed where a trajectory's valence changes sign).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "core/impl_access.hpp"
#include "core/key_code.hpp"
#include "emopiano/error.hpp"
#include "emopiano/sampler.hpp"
#include "model/model_impl.hpp"
#include "sample/guidance.hpp"
#include "sample/key_choice.hpp"
#include "sample/key_model.hpp"

namespace emopiano {
namespace {

using test::key_model;

GenerationRequest guided_request(Quadrant q, float guidance, uint64_t seed = 3) {
  GenerationRequest r;
  r.emotion = EmotionTrajectory(EmotionMix::from_quadrant(q));
  r.params.seed = seed;
  r.params.max_tokens = 120;
  r.params.top_p = 1.0f;
  r.params.guidance = guidance;
  r.key = MusicalKey{2, true};
  return r;
}

TEST(Guidance, ArithmeticOfOneRow) {
  std::vector<float> cond = {1.0f, -2.0f, 0.5f}, uncond = {0.0f, 1.0f, 0.5f};
  auto c = cond;
  sample::apply_guidance(c.data(), uncond.data(), 3, 1.0f);
  EXPECT_EQ(c, cond);  // w = 1: the conditional logits
  c = cond;
  sample::apply_guidance(c.data(), uncond.data(), 3, 0.0f);
  EXPECT_EQ(c, uncond);  // w = 0: the unconditional ones
  c = cond;
  sample::apply_guidance(c.data(), uncond.data(), 3, 3.0f);
  EXPECT_EQ(c, (std::vector<float>{3.0f, -8.0f, 0.5f}));
}

// log of the summed probability of the tokens for which `in` holds.
template <typename Pred>
double log_mass(const std::vector<float>& logits, Pred in) {
  double all = 0.0, part = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) {
    const double e = std::exp(static_cast<double>(logits[i]));
    all += e;
    if (in(static_cast<int32_t>(i))) part += e;
  }
  return std::log(part / all);
}

TEST(Guidance, SplitGuidanceTakesTheRhythmFromOneWeightAndTheNotesFromTheOther) {
  auto tok = Tokenizer::create(TokenizerConfig{});
  const int32_t V = tok->vocab_size();
  std::vector<float> cond(static_cast<size_t>(V)), uncond(static_cast<size_t>(V));
  for (int32_t i = 0; i < V; ++i) {  // fixed, uneven logits
    cond[static_cast<size_t>(i)] = static_cast<float>(std::sin(0.7 * i) * 3.0);
    uncond[static_cast<size_t>(i)] = static_cast<float>(std::cos(1.3 * i) * 2.0);
  }
  auto guided = [&](float w) {
    auto c = cond;
    sample::apply_guidance(c.data(), uncond.data(), V, w);
    return c;
  };
  auto family = [&](int32_t id) {
    const std::string name = tok->token_to_string(id);
    return name.substr(0, name.find('_'));
  };
  // Equal weights: plain guidance, bit for bit.
  {
    sample::SplitGuidance g(*tok, 3.0f, 3.0f);
    auto c = cond;
    g.apply(c.data(), uncond.data());
    EXPECT_EQ(c, guided(3.0f));
  }
  sample::SplitGuidance g(*tok, 4.0f, 1.5f);
  auto c = cond;
  g.apply(c.data(), uncond.data());
  const auto rhythm = guided(1.5f), full = guided(4.0f);
  // Every family's total probability, and each rhythm token's own, is the rhythm weight's ...
  for (const char* f : {"Pitch", "Velocity", "Duration", "Position"}) {
    auto in = [&](int32_t id) { return family(id) == f; };
    EXPECT_NEAR(log_mass(c, in), log_mass(rhythm, in), 1e-4) << f;
  }
  const int32_t bar = tok->token_from_string("Bar");
  auto is_bar = [&](int32_t id) { return id == bar; };
  EXPECT_NEAR(log_mass(c, is_bar), log_mass(rhythm, is_bar), 1e-4);
  // ... and within a note family, the choice is the full weight's.
  const int32_t p60 = tok->token_from_string("Pitch_60"), p64 = tok->token_from_string("Pitch_64");
  EXPECT_NEAR(c[static_cast<size_t>(p60)] - c[static_cast<size_t>(p64)],
              full[static_cast<size_t>(p60)] - full[static_cast<size_t>(p64)], 1e-4);
  EXPECT_GT(std::abs((full[static_cast<size_t>(p60)] - full[static_cast<size_t>(p64)]) -
                     (rhythm[static_cast<size_t>(p60)] - rhythm[static_cast<size_t>(p64)])),
            0.1);  // the two weights do differ there
}

TEST(Guidance, RhythmWeightDefaultsToTheSmallerOfTheWeightAndTwo) {
  EXPECT_EQ(sample::resolve_rhythm_guidance(-1.0f, 3.0f), sample::kDefaultRhythmGuidance);
  EXPECT_EQ(sample::resolve_rhythm_guidance(-1.0f, 1.5f), 1.5f);
  EXPECT_EQ(sample::resolve_rhythm_guidance(-1.0f, 0.0f), 0.0f);
  EXPECT_EQ(sample::resolve_rhythm_guidance(2.5f, 3.0f), 2.5f);
  SamplingParams p;
  p.rhythm_guidance = std::nanf("");
  EXPECT_THROW(p.validate(), Error);
}

TEST(Guidance, RhythmWeightChangesTheMusicAndIsReported) {
  Model m = key_model();
  Sampler s(m);
  auto r = guided_request(Quadrant::Q2, 4.0f);
  auto by_default = s.generate(r);
  EXPECT_EQ(by_default.rhythm_guidance, sample::kDefaultRhythmGuidance);
  r.params.rhythm_guidance = 2.0f;
  EXPECT_EQ(s.generate(r).tokens, by_default.tokens);
  r.params.rhythm_guidance = 4.0f;  // plain guidance
  auto plain = s.generate(r);
  EXPECT_EQ(plain.rhythm_guidance, 4.0f);
  EXPECT_NE(plain.tokens, by_default.tokens);
}

TEST(Guidance, DefaultDependsOnWhetherTheModelLearnedTheNullEmotion) {
  EXPECT_EQ(sample::resolve_guidance(-1.0f, "{}"), 1.0f);
  EXPECT_EQ(sample::resolve_guidance(-1.0f, R"({"null_emotion": false})"), 1.0f);
  EXPECT_EQ(sample::resolve_guidance(-1.0f, R"({"null_emotion": true})"), sample::kDefaultGuidance);
  EXPECT_EQ(sample::resolve_guidance(2.5f, "{}"), 2.5f);
  EXPECT_EQ(sample::resolve_guidance(0.0f, R"({"null_emotion": true})"), 0.0f);
}

TEST(Guidance, WeightZeroIsTheUnconditionalModelWhateverTheEmotion) {
  Model m = key_model();
  Sampler s(m);
  auto q1 = s.generate(guided_request(Quadrant::Q1, 0.0f));
  auto q3 = s.generate(guided_request(Quadrant::Q3, 0.0f));
  EXPECT_EQ(q1.tokens, q3.tokens);
  EXPECT_EQ(q1.guidance, 0.0f);
  // With the emotion heard (w = 1 or more) the two emotions part ways.
  auto c1 = s.generate(guided_request(Quadrant::Q1, 4.0f));
  auto c3 = s.generate(guided_request(Quadrant::Q3, 4.0f));
  EXPECT_NE(c1.tokens, c3.tokens);
}

TEST(Guidance, WeightOneIsThePlainConditionalModel) {
  Model m = key_model();
  Sampler s(m);
  auto plain = s.generate(guided_request(Quadrant::Q2, 1.0f));
  auto by_default = s.generate(guided_request(Quadrant::Q2, -1.0f));  // no null emotion in metadata: w = 1
  EXPECT_EQ(plain.tokens, by_default.tokens);
  EXPECT_EQ(by_default.guidance, 1.0f);
  auto guided = s.generate(guided_request(Quadrant::Q2, 3.0f));
  EXPECT_NE(plain.tokens, guided.tokens);
}

TEST(Guidance, BatchOfGuidedPiecesMatchesPiecesOneByOne) {
  Model m = key_model();
  Sampler s(m);
  auto r = guided_request(Quadrant::Q4, 2.0f, 21);
  r.params.max_tokens = 80;
  auto batch = s.generate_batch(r, 3);
  for (int i = 0; i < 3; ++i) {
    auto one = r;
    one.params.seed = 21 + static_cast<uint64_t>(i);
    EXPECT_EQ(s.generate(one).tokens, batch[static_cast<size_t>(i)].tokens) << "piece " << i;
  }
}

// The network's key input is the key in force: only the named key's row of
// the key embedding matters, and the null row of guidance has no key.
TEST(Keys, TheKeyInForceIsTheNetworksKeyInputAndTheNullRowHasNone) {
  auto with_key_row = [](int code) {
    Model m = key_model();
    torch::NoGradGuard no_grad;
    auto& table = impl_of(m).net->key_embedding;
    table.zero_();
    // Not a constant vector: LayerNorm would take that away.
    if (code >= 0) table[code].copy_(torch::linspace(-1.0, 1.0, table.size(1)));
    return m;
  };
  const int d_major = static_cast<int>(key_code(MusicalKey{2, true}));  // guided_request() names D major
  Model none = with_key_row(-1), d = with_key_row(d_major), other = with_key_row(d_major + 1);
  auto tokens = [](Model& m, float w) { return Sampler(m).generate(guided_request(Quadrant::Q1, w)).tokens; };
  EXPECT_NE(tokens(none, 1.0f), tokens(d, 1.0f));
  EXPECT_EQ(tokens(none, 1.0f), tokens(other, 1.0f));
  // w = 0 is the null row alone: neither emotion nor key.
  EXPECT_EQ(tokens(none, 0.0f), tokens(d, 0.0f));
}

TEST(Keys, TheNamedKeyOpensThePieceAndIsNeverSampledAgain) {
  Model m = key_model();
  Sampler s(m);
  auto r = guided_request(Quadrant::Q1, 1.0f);
  r.key = MusicalKey{9, false};
  r.params.max_tokens = 300;
  auto result = s.generate(r);
  const Tokenizer& tok = m.tokenizer();
  ASSERT_GE(result.tokens.size(), 2u);
  EXPECT_EQ(tok.token_to_string(result.tokens[1]), "Key_A_minor");
  int keys = 0;
  for (int32_t id : result.tokens) keys += tok.key_of(id).has_value();
  EXPECT_EQ(keys, 1);
  ASSERT_TRUE(result.key);
  EXPECT_EQ(*result.key, (MusicalKey{9, false}));
  ASSERT_FALSE(result.score.keys.empty());
  EXPECT_EQ(result.score.keys[0].tonic, 9);
}

TEST(Keys, DrawnFromTheModelsKeyDistributionOfTheEmotion) {
  // Q1 pieces were all in G major, Q3 pieces all in F# minor.
  std::vector<int> g_major(kNumKeys, 0), fs_minor(kNumKeys, 0), none(kNumKeys, 0);
  g_major[static_cast<size_t>(key_index({7, true}))] = 40;
  fs_minor[static_cast<size_t>(key_index({6, false}))] = 25;
  nlohmann::json meta = {{"key_distribution", {{"Q1", g_major}, {"Q2", none}, {"Q3", fs_minor}, {"Q4", none}}}};
  Model m = key_model(meta.dump());
  Sampler s(m);
  for (uint64_t seed = 0; seed < 5; ++seed) {
    auto r1 = guided_request(Quadrant::Q1, 1.0f, seed);
    r1.key.reset();
    auto r3 = guided_request(Quadrant::Q3, 1.0f, seed);
    r3.key.reset();
    EXPECT_EQ(*s.generate(r1).key, (MusicalKey{7, true}));
    EXPECT_EQ(*s.generate(r3).key, (MusicalKey{6, false}));
  }
  // A 50/50 mix draws from both.
  std::set<int> seen;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    auto r = guided_request(Quadrant::Q1, 1.0f, seed);
    r.key.reset();
    r.emotion = EmotionTrajectory(EmotionMix::from_probabilities({0.5f, 0.0f, 0.5f, 0.0f}));
    r.params.max_tokens = 4;
    seen.insert(key_index(*s.generate(r).key));
  }
  EXPECT_EQ(seen, (std::set<int>{key_index({7, true}), key_index({6, false})}));
}

TEST(Keys, DistributionProbabilitiesMixTheQuadrants) {
  std::vector<int> q1(kNumKeys, 0), q2(kNumKeys, 0);
  q1[0] = 3;   // C major
  q1[12] = 1;  // C minor
  q2[21] = 2;  // A minor
  nlohmann::json meta = {{"key_distribution", {{"Q1", q1}, {"Q2", q2}}}};
  auto d = sample::KeyDistribution::from_metadata(meta.dump());
  ASSERT_FALSE(d.empty());
  auto p = d.probabilities(EmotionMix::from_probabilities({0.5f, 0.5f, 0.0f, 0.0f}));
  EXPECT_NEAR(p[0], 0.375, 1e-9);
  EXPECT_NEAR(p[12], 0.125, 1e-9);
  EXPECT_NEAR(p[21], 0.5, 1e-9);
  // No distribution: the mode follows valence.
  auto none = sample::KeyDistribution::from_metadata("{}");
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.draw(EmotionMix::from_quadrant(Quadrant::Q4), 0.3).major);
  EXPECT_FALSE(none.draw(EmotionMix::from_quadrant(Quadrant::Q2), 0.3).major);
}

TEST(Keys, ValenceFlipModulatesToTheParallelKeyAtThatBar) {
  Model m = key_model();
  Sampler s(m);
  GenerationRequest r = guided_request(Quadrant::Q1, 1.0f);
  r.emotion = EmotionTrajectory::parse("Q1@0,Q1@3,Q3@4");
  r.key = MusicalKey{0, true};
  r.params.max_bars = 8;
  r.params.stop_at_eos = false;
  r.params.max_tokens = 4000;
  auto result = s.generate(r);
  ASSERT_EQ(result.bars, 8);
  ASSERT_EQ(result.score.keys.size(), 2u);
  EXPECT_EQ(result.score.keys[0].tick, 0);
  EXPECT_TRUE(result.score.keys[0].major);
  EXPECT_EQ(result.score.keys[1].tonic, 0);
  EXPECT_FALSE(result.score.keys[1].major);
  EXPECT_EQ(result.score.keys[1].tick, 4 * 16 * 120);  // bar 5 (index 4) of the decoded grid
  EXPECT_EQ(result.score.warnings.invalid_tokens, 0);

  // No flip, no change; and a minor key already fits a sad turn.
  r.emotion = EmotionTrajectory::parse("Q1@0,Q4@4");
  EXPECT_EQ(s.generate(r).score.keys.size(), 1u);
  r.emotion = EmotionTrajectory::parse("Q1@0,Q1@3,Q2@4");
  r.key = MusicalKey{9, false};
  EXPECT_EQ(s.generate(r).score.keys.size(), 1u);
}

TEST(Keys, ModulationRule) {
  using sample::modulation;
  EXPECT_EQ(modulation({0, true}, 1.0f, -1.0f), (MusicalKey{0, false}));
  EXPECT_EQ(modulation({9, false}, -1.0f, 1.0f), (MusicalKey{9, true}));
  EXPECT_FALSE(modulation({0, true}, 1.0f, 0.5f));
  EXPECT_FALSE(modulation({0, true}, 1.0f, -0.1f));   // inside the dead band
  EXPECT_FALSE(modulation({9, false}, 1.0f, -1.0f));  // the mode already fits
}

TEST(Guidance, OutOfRangeIsRefused) {
  Model m = key_model();
  Sampler s(m);
  auto r = guided_request(Quadrant::Q1, 1e9f);
  EXPECT_THROW(s.generate(r), Error);
  r.params.guidance = std::nanf("");
  EXPECT_THROW(s.generate(r), Error);
}

}  // namespace
}  // namespace emopiano
