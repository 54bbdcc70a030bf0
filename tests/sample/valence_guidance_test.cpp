// Valence guidance: the mirrored-valence row beside the emotion's, its
// arithmetic on pitch and chord logits, its default, and that the sampler and
// the live session run it.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include <torch/torch.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/session.hpp"
#include "model/model_impl.hpp"
#include "sample/key_model.hpp"
#include "sample/token_inputs.hpp"
#include "sample/valence_guidance.hpp"

namespace emopiano {
namespace {

constexpr const char* kNullEmotion = R"({"null_emotion": true})";

using test::key_model;

GenerationRequest request(const EmotionMix& emotion, float valence, uint64_t seed = 3) {
  GenerationRequest r;
  r.emotion = EmotionTrajectory(emotion);
  r.params.seed = seed;
  r.params.max_tokens = 120;
  r.params.top_p = 1.0f;
  r.params.guidance = 3.0f;
  r.params.valence_guidance = valence;
  r.key = MusicalKey{2, true};
  return r;
}

TEST(ValenceGuidance, TheMirrorSwapsValenceAndKeepsArousal) {
  using A = std::array<float, 4>;
  EXPECT_EQ(sample::mirror_valence(A{1, 0, 0, 0}), (A{0, 1, 0, 0}));  // happy -> tense
  EXPECT_EQ(sample::mirror_valence(A{0, 0, 0, 1}), (A{0, 0, 1, 0}));  // calm -> sad
  EXPECT_EQ(sample::mirror_valence(A{.1f, .2f, .3f, .4f}), (A{.2f, .1f, .4f, .3f}));
  EXPECT_EQ(sample::mirror_valence(A{0, 0, 0, 0}), (A{0, 0, 0, 0}));  // the null emotion
  for (float v : {-0.8f, 0.3f}) {
    const auto m = EmotionMix::from_valence_arousal(v, 0.6f);
    const auto mirrored = EmotionMix::from_probabilities(sample::mirror_valence(m.probabilities()));
    EXPECT_NEAR(mirrored.valence(), -m.valence(), 1e-5);
    EXPECT_NEAR(mirrored.arousal(), m.arousal(), 1e-5);
  }
}

TEST(ValenceGuidance, MovesPitchAndChordLogitsAwayFromTheMirroredRowOnly) {
  TokenizerConfig t;
  t.use_chords = true;
  auto tok = Tokenizer::create(t);
  const int32_t V = tok->vocab_size();
  std::vector<float> cond(static_cast<size_t>(V)), mirrored(static_cast<size_t>(V));
  for (int32_t i = 0; i < V; ++i) {
    cond[static_cast<size_t>(i)] = static_cast<float>(std::sin(0.7 * i) * 3.0);
    mirrored[static_cast<size_t>(i)] = static_cast<float>(std::cos(1.3 * i) * 2.0);
  }
  const sample::ValenceGuidance g(*tok, 2.0f);
  auto c = cond;
  g.apply(c.data(), mirrored.data());
  int moved = 0;
  for (int32_t i = 0; i < V; ++i) {
    const std::string name = tok->token_to_string(i);
    const std::string family = name.substr(0, name.find('_'));
    const auto k = static_cast<size_t>(i);
    if (family == "Pitch" || family == "Chord") {
      EXPECT_FLOAT_EQ(c[k], cond[k] + 2.0f * (cond[k] - mirrored[k])) << name;
      ++moved;
    } else {
      EXPECT_EQ(c[k], cond[k]) << name;
    }
  }
  EXPECT_GT(moved, 88);  // every pitch, and the chords
  const sample::ValenceGuidance off(*tok, 0.0f);
  c = cond;
  off.apply(c.data(), mirrored.data());
  EXPECT_EQ(c, cond);
}

// The batched mirrored row is the network fed the mirrored emotion (and the
// same key); the null row has neither emotion nor key.
TEST(ValenceGuidance, TheMirroredRowIsTheNetworkGivenTheMirroredEmotion) {
  Model m = key_model(kNullEmotion);
  auto& net = *impl_of(m).net;
  const Tokenizer& tok = m.tokenizer();
  sample::TokenInputs in, mirrored, null;
  auto first_of = [&](const std::string& family) {  // the family's first token
    for (int32_t id = 0; id < tok.vocab_size(); ++id)
      if (tok.token_to_string(id).rfind(family + "_", 0) == 0) return id;
    return -1;
  };
  const std::vector<int32_t> ids = {tok.bar_id(),         first_of("Position"), tok.token_from_string("Pitch_60"),
                                    first_of("Velocity"), first_of("Duration"), tok.token_from_string("Pitch_67")};
  const MusicalKey key{9, false};
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::array<float, 4> e = {0.6f - 0.1f * static_cast<float>(i), 0.1f, 0.2f + 0.1f * static_cast<float>(i),
                                    0.1f};
    const int32_t id = ids[i];
    ASSERT_GE(id, 0);
    in.push(id, 1, static_cast<int32_t>(i), e, key);
    mirrored.push(id, 1, static_cast<int32_t>(i), sample::mirror_valence(e), key);
    null.push(id, 1, static_cast<int32_t>(i), {0, 0, 0, 0}, std::nullopt);
  }
  torch::NoGradGuard no_grad;
  using C = sample::RowCondition;
  KVCache c0, c1, c2;
  auto rows = sample::next_logits(net, {&in}, 0, in.size(), {C::emotion, C::null, C::mirrored_valence}, c0);
  ASSERT_EQ(rows.size(0), 3);
  auto alone = sample::next_logits(net, {&mirrored}, 0, mirrored.size(), {C::emotion}, c1);
  auto unconditional = sample::next_logits(net, {&null}, 0, null.size(), {C::emotion}, c2);
  EXPECT_TRUE(torch::allclose(rows[2], alone[0], 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(rows[1], unconditional[0], 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(rows[0], rows[2], 1e-3, 1e-3));  // the emotion does matter here
}

// Q2 for a bar, then Q4: valence -1 to +1.
EmotionTrajectory tense_to_calm() {
  return EmotionTrajectory({{0.0, EmotionMix::from_quadrant(Quadrant::Q2)},
                            {1.0, EmotionMix::from_quadrant(Quadrant::Q2)},
                            {1.0, EmotionMix::from_quadrant(Quadrant::Q4)}});
}

GenerationRequest trajectory_request(const EmotionTrajectory& t, float valence, uint64_t seed = 3) {
  GenerationRequest r = request(EmotionMix(), valence, seed);
  r.emotion = t;
  return r;
}

TEST(ValenceGuidance, DefaultIsOnForModelsThatLearnedTheNullEmotion) {
  EXPECT_EQ(sample::resolve_valence_guidance(-1.0f, "{}"), 0.0f);
  EXPECT_EQ(sample::resolve_valence_guidance(-1.0f, kNullEmotion), sample::kDefaultValenceGuidance);
  EXPECT_EQ(sample::resolve_valence_guidance(0.0f, kNullEmotion), 0.0f);
  EXPECT_EQ(sample::resolve_valence_guidance(1.5f, "{}"), 1.5f);
  SamplingParams p;
  for (float bad : {std::nanf(""), INFINITY, 20.5f}) {
    p.valence_guidance = bad;
    EXPECT_THROW(p.validate(), Error) << bad;
  }

  Model m = key_model(kNullEmotion);
  Sampler s(m);
  auto by_default = s.generate(trajectory_request(tense_to_calm(), -1.0f));
  EXPECT_EQ(by_default.valence_guidance, sample::kDefaultValenceGuidance);
  EXPECT_EQ(s.generate(trajectory_request(tense_to_calm(), sample::kDefaultValenceGuidance)).tokens, by_default.tokens);
  auto off = s.generate(trajectory_request(tense_to_calm(), 0.0f));
  EXPECT_EQ(off.valence_guidance, 0.0f);
  EXPECT_NE(off.tokens, by_default.tokens);
  // Under guidance 0 pitch and chord come from the null row alone: no third row.
  auto r = trajectory_request(tense_to_calm(), 2.0f);
  r.params.guidance = 0.0f;
  EXPECT_EQ(s.generate(r).valence_guidance, 0.0f);
}

// It engages where the valence has changed by half the axis, and stays on:
// an emotion that keeps its valence is untouched (no third row), and a
// trajectory's bars before its change are those without it.
TEST(ValenceGuidance, EngagesWhereTheValenceHasChanged) {
  EXPECT_FALSE(sample::valence_changed(1.0f, 0.2f));
  EXPECT_TRUE(sample::valence_changed(1.0f, 0.0f));
  EXPECT_TRUE(sample::valence_changed(-1.0f, 1.0f));
  EXPECT_TRUE(sample::valence_may_change(tense_to_calm(), -1.0f));
  EXPECT_FALSE(sample::valence_may_change(EmotionTrajectory::parse("Q1@0,Q4@4"), 1.0f));  // happy to calm

  Model m = key_model(kNullEmotion);
  Sampler s(m);
  for (Quadrant q : {Quadrant::Q1, Quadrant::Q3}) {
    const auto on = s.generate(request(EmotionMix::from_quadrant(q), 4.0f));
    EXPECT_EQ(on.tokens, s.generate(request(EmotionMix::from_quadrant(q), 0.0f)).tokens);
    EXPECT_EQ(on.valence_guidance, 0.0f);
  }
  // Tense for two bars, then calm: the same tokens up to the third bar.
  const auto late = EmotionTrajectory({{0.0, EmotionMix::from_quadrant(Quadrant::Q2)},
                                       {2.0, EmotionMix::from_quadrant(Quadrant::Q2)},
                                       {2.0, EmotionMix::from_quadrant(Quadrant::Q4)}});
  auto r = trajectory_request(late, 4.0f);
  r.params.max_tokens = 200;
  const auto on = s.generate(r).tokens;
  r.params.valence_guidance = 0.0f;
  const auto off = s.generate(r).tokens;
  auto third_bar = [&](const std::vector<int32_t>& tokens) {
    int bars = 0;
    for (size_t i = 0; i < tokens.size(); ++i)
      if (tokens[i] == m.tokenizer().bar_id() && ++bars == 3) return i;
    return tokens.size();
  };
  const size_t cut = third_bar(off);
  ASSERT_LT(cut, off.size()) << "the piece should reach its third bar";
  EXPECT_EQ(std::vector<int32_t>(on.begin(), on.begin() + static_cast<std::ptrdiff_t>(cut) + 1),
            std::vector<int32_t>(off.begin(), off.begin() + static_cast<std::ptrdiff_t>(cut) + 1));
  EXPECT_NE(on, off);
}

// Happy and tense in equal parts, or sad and calm, have no valence: the
// mirrored row is the emotion's own.
TEST(ValenceGuidance, AnEmotionWithoutValenceIsItsOwnMirror) {
  Model m = key_model(kNullEmotion);
  auto& net = *impl_of(m).net;
  const Tokenizer& tok = m.tokenizer();
  sample::TokenInputs in;
  const std::vector<int32_t> ids = {tok.bar_id(), tok.token_from_string("Pitch_60"), tok.token_from_string("Pitch_64")};
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::array<float, 4> e =
        i == 0 ? std::array<float, 4>{0.5f, 0.5f, 0.0f, 0.0f} : std::array<float, 4>{0.0f, 0.0f, 0.3f, 0.3f};
    in.push(ids[i], 1, static_cast<int32_t>(i), e, MusicalKey{4, true});
  }
  torch::NoGradGuard no_grad;
  KVCache cache;
  auto rows = sample::next_logits(net, {&in}, 0, in.size(),
                                  {sample::RowCondition::emotion, sample::RowCondition::mirrored_valence}, cache);
  EXPECT_TRUE(torch::allclose(rows[0], rows[1], 1e-6, 1e-6));
}

// Three rows a piece through a batch whose pieces end at different steps
// (their cache rows leave the batch): the pieces one by one.
TEST(ValenceGuidance, BatchOfThreeRowPiecesMatchesPiecesOneByOne) {
  Model m = key_model(kNullEmotion);
  Sampler s(m);
  auto r = trajectory_request(tense_to_calm(), 2.0f, 21);
  r.params.max_bars = 3;
  r.params.max_tokens = 200;
  auto batch = s.generate_batch(r, 3);
  std::set<size_t> lengths;
  for (int i = 0; i < 3; ++i) {
    auto one = r;
    one.params.seed = 21 + static_cast<uint64_t>(i);
    EXPECT_EQ(s.generate(one).tokens, batch[static_cast<size_t>(i)].tokens) << "piece " << i;
    lengths.insert(batch[static_cast<size_t>(i)].tokens.size());
  }
  EXPECT_GT(lengths.size(), 1u) << "the pieces should end at different steps";
}

// A session asked for it engages it from the first bar whose emotion has
// changed valence; by default it is off there.
TEST(ValenceGuidance, TheLiveSessionRunsItFromAChangeOfValence) {
  Model m = key_model(kNullEmotion);
  auto bars = [&](float valence, const EmotionMix& second) {
    SessionOptions o;
    o.emotion = EmotionMix::from_quadrant(Quadrant::Q2);
    o.params.seed = 5;
    o.params.guidance = 3.0f;
    o.params.valence_guidance = valence;
    o.key = MusicalKey{0, false};
    GenerationSession session(m, o);
    std::vector<std::vector<int>> pitches;
    for (int b = 0; b < 4; ++b) {
      if (b == 1) session.set_emotion(second);
      pitches.emplace_back();
      for (const Note& n : session.next_bar().notes) pitches.back().push_back(n.pitch);
    }
    return pitches;
  };
  const auto calm = EmotionMix::from_quadrant(Quadrant::Q4), sad = EmotionMix::from_quadrant(Quadrant::Q3);
  const auto on = bars(3.0f, calm), off = bars(0.0f, calm);
  EXPECT_EQ(bars(-1.0f, calm), off);            // a session's default: off
  EXPECT_EQ(on[0], off[0]);                     // tense: not engaged yet
  EXPECT_NE(on, off);                           // calm: engaged
  EXPECT_EQ(bars(3.0f, sad), bars(0.0f, sad));  // tense to sad keeps the valence
}

}  // namespace
}  // namespace emopiano
