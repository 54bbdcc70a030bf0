// Key tokens: where the encoder puts them, what the decoder makes of them,
// the grammar around them, and the optional Emotion token.
#include <gtest/gtest.h>

#include <random>

#include "emopiano/key.hpp"
#include "emopiano/metrics.hpp"
#include "emopiano/tokenizer.hpp"
#include "tokenizer/tokenizer_fixtures.hpp"

namespace emopiano::test {
namespace {

TokenizerConfig key_config() {
  TokenizerConfig c;
  c.use_key = true;
  c.emotion_token = false;
  return c;
}

// C major / A minor scale notes, one a beat, over `bars` bars of 384-tick beats.
Score scale_score(int bars, int tonic, bool major) {
  static const int kMajor[7] = {0, 2, 4, 5, 7, 9, 11}, kMinor[7] = {0, 2, 3, 5, 7, 8, 10};
  std::vector<Note> notes;
  for (int i = 0; i < bars * 4; ++i) {
    const int degree = (major ? kMajor : kMinor)[i % 7];
    notes.push_back(make_note(60 + tonic + degree, int64_t{i} * 384, 384));
    if (i % 4 == 0) notes.push_back(make_note(48 + tonic, int64_t{i} * 384, 4 * 384));
  }
  return make_score(notes);
}

TEST(KeyTokens, VocabularyHasTwentyFourKeysInKeyIndexOrder) {
  auto tok = Tokenizer::create(key_config());
  auto plain = Tokenizer::create(TokenizerConfig{});
  EXPECT_EQ(tok->vocab_size(), plain->vocab_size() + kNumKeys);
  EXPECT_FALSE(plain->key_id(MusicalKey{}).has_value());
  for (int i = 0; i < kNumKeys; ++i) {
    const MusicalKey k = key_from_index(i);
    auto id = tok->key_id(k);
    ASSERT_TRUE(id.has_value());
    EXPECT_EQ(tok->key_of(*id), k);
    std::string name = k.name();
    name[name.find(' ')] = '_';
    EXPECT_EQ(tok->token_to_string(*id), "Key_" + name);
  }
  EXPECT_EQ(tok->token_to_string(*tok->key_id(MusicalKey{9, false})), "Key_A_minor");
  EXPECT_FALSE(tok->key_of(tok->bos_id()).has_value());
}

TEST(KeyTokens, OpeningKeyFollowsBosAndNoEmotionTokenWhenTurnedOff) {
  auto tok = Tokenizer::create(key_config());
  Score s = scale_score(2, 0, true);
  s.keys = {KeySignature{0, 7, true}};  // a stated key wins over the estimate
  auto ids = tok->encode(s, Quadrant::Q3);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(tok->token_to_string(ids[0]), "BOS");
  EXPECT_EQ(tok->token_to_string(ids[1]), "Key_G_major");
  EXPECT_EQ(tok->token_to_string(ids[2]), "Bar");
  for (int32_t id : ids) EXPECT_FALSE(tok->emotion_of(id).has_value());

  TokenizerConfig with_emotion = key_config();
  with_emotion.emotion_token = true;
  auto tok2 = Tokenizer::create(with_emotion);
  auto ids2 = tok2->encode(s, Quadrant::Q3);
  EXPECT_EQ(tok2->token_to_string(ids2[1]), "Emotion_Q3");
  EXPECT_EQ(tok2->token_to_string(ids2[2]), "Key_G_major");
}

TEST(KeyTokens, KeyIsEstimatedWhenTheScoreStatesNone) {
  auto tok = Tokenizer::create(key_config());
  for (auto [tonic, major] : {std::pair{0, true}, std::pair{9, false}, std::pair{2, true}, std::pair{4, false}}) {
    Score s = scale_score(4, tonic, major);
    const KeyEstimate e = estimate_key(s);
    auto ids = tok->encode(s);
    EXPECT_EQ(tok->key_of(ids[1]), (MusicalKey{e.tonic, e.major})) << MusicalKey{tonic, major}.name();
  }
}

TEST(KeyTokens, ChangeIsWrittenAfterTheNearestBarLineAndDecodedBack) {
  auto tok = Tokenizer::create(key_config());
  Score s = scale_score(4, 0, true);
  // A change a little before bar 3's line (tick 2 * 1536) lands on that bar.
  s.keys = {KeySignature{0, 0, true}, KeySignature{2 * 1536 - 100, 0, false}};
  auto ids = tok->encode(s);
  const std::string text = join_tokens(*tok, ids);
  EXPECT_EQ(text.find("Key_C_major"), text.find("BOS ") + 4) << text;
  // The second Key token comes right after the third Bar.
  size_t bar = 0;
  for (int i = 0; i < 3; ++i) bar = text.find("Bar", bar) + 1;
  EXPECT_EQ(text.find("Key_C_minor"), bar - 1 + 4) << text;

  Score d = tok->decode(ids);
  EXPECT_EQ(d.warnings.invalid_tokens, 0);
  ASSERT_EQ(d.keys.size(), 2u);
  EXPECT_EQ(d.keys[0].tick, 0);
  EXPECT_TRUE(d.keys[0].major);
  EXPECT_EQ(d.keys[1].tick, 2 * 16 * 120);  // bar 3 of the decoded grid
  EXPECT_FALSE(d.keys[1].major);
  EXPECT_EQ(d.keys[1].tonic, 0);

  // A change to the key already in force writes nothing.
  s.keys = {KeySignature{0, 0, true}, KeySignature{1536, 0, true}};
  int keys = 0;
  for (int32_t id : tok->encode(s)) keys += tok->key_of(id).has_value();
  EXPECT_EQ(keys, 1);
}

TEST(KeyTokens, GrammarAllowsKeysOnlyAfterTheHeaderOrABar) {
  auto tok = Tokenizer::create(key_config());
  const int32_t key = *tok->key_id(MusicalKey{2, true});
  std::vector<uint8_t> mask(static_cast<size_t>(tok->vocab_size()));
  auto g = tok->grammar();
  ASSERT_TRUE(g->advance(tok->bos_id()));
  g->allowed(mask.data());
  EXPECT_EQ(mask[static_cast<size_t>(key)], 1);
  ASSERT_TRUE(g->advance(key));
  g->allowed(mask.data());
  EXPECT_EQ(mask[static_cast<size_t>(key)], 0);  // one opening key
  ASSERT_TRUE(g->advance(tok->token_from_string("Bar")));
  g->allowed(mask.data());
  EXPECT_EQ(mask[static_cast<size_t>(key)], 1);
  ASSERT_TRUE(g->advance(key));
  g->allowed(mask.data());
  EXPECT_EQ(mask[static_cast<size_t>(key)], 0);
  EXPECT_EQ(mask[static_cast<size_t>(tok->token_from_string("Position_0"))], 1);
  ASSERT_TRUE(g->advance(tok->token_from_string("Position_3")));
  g->allowed(mask.data());
  EXPECT_EQ(mask[static_cast<size_t>(key)], 0);  // not inside a bar
  EXPECT_FALSE(g->advance(key));
}

TEST(KeyTokens, RandomScoresWithKeysRoundTripWithoutInvalidTokens) {
  auto tok = Tokenizer::create(key_config());
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    Score s = random_score(rng);
    const int n = static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i)
      s.keys.push_back(KeySignature{static_cast<int64_t>(rng() % 20000), static_cast<int>(rng() % 12), rng() % 2 == 0});
    s.normalize();
    auto ids = tok->encode(s);
    Score d = tok->decode(ids);
    EXPECT_EQ(d.warnings.invalid_tokens, 0) << "trial " << trial;
    EXPECT_EQ(tok->encode(d), ids) << "trial " << trial;  // the decoded score says the same
  }
}

TEST(MusicalKey, ParsesWhatMusiciansWrite) {
  EXPECT_EQ(MusicalKey::parse("A minor"), (MusicalKey{9, false}));
  EXPECT_EQ(MusicalKey::parse("Am"), (MusicalKey{9, false}));
  EXPECT_EQ(MusicalKey::parse("eb major"), (MusicalKey{3, true}));
  EXPECT_EQ(MusicalKey::parse("Bb"), (MusicalKey{10, true}));
  EXPECT_EQ(MusicalKey::parse("F#m"), (MusicalKey{6, false}));
  EXPECT_EQ(MusicalKey::parse("Gb maj"), (MusicalKey{6, true}));
  EXPECT_EQ(MusicalKey::parse("Cb"), (MusicalKey{11, true}));
  EXPECT_EQ(MusicalKey::parse("C"), (MusicalKey{0, true}));
  EXPECT_FALSE(MusicalKey::parse("H minor"));
  EXPECT_FALSE(MusicalKey::parse("C dorian"));
  EXPECT_FALSE(MusicalKey::parse(""));
  for (int i = 0; i < kNumKeys; ++i) EXPECT_EQ(MusicalKey::parse(key_from_index(i).name()), key_from_index(i));
  EXPECT_EQ((MusicalKey{11, true}).transposed(1), (MusicalKey{0, true}));
  EXPECT_EQ((MusicalKey{0, false}).transposed(-1), (MusicalKey{11, false}));
  EXPECT_EQ((MusicalKey{4, true}).parallel(), (MusicalKey{4, false}));
}

TEST(KeyTokens, ConfigJsonKeepsBothOptions) {
  TokenizerConfig c = key_config();
  TokenizerConfig back = TokenizerConfig::from_json(c.to_json());
  EXPECT_TRUE(back.use_key);
  EXPECT_FALSE(back.emotion_token);
  EXPECT_TRUE(back == c);
  EXPECT_FALSE(back == TokenizerConfig{});
}

}  // namespace
}  // namespace emopiano::test
