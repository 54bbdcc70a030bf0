#include <random>

#include <gtest/gtest.h>

#include "emopiano/tokenizer.hpp"
#include "tokenizer_fixtures.hpp"

namespace emopiano {
namespace {

std::vector<int32_t> allowed_ids(const TokenGrammar& g, int32_t vocab) {
  std::vector<uint8_t> mask(static_cast<size_t>(vocab), 7);
  g.allowed(mask.data());
  std::vector<int32_t> out;
  for (int32_t i = 0; i < vocab; ++i) {
    EXPECT_TRUE(mask[static_cast<size_t>(i)] == 0 || mask[static_cast<size_t>(i)] == 1);
    if (mask[static_cast<size_t>(i)]) out.push_back(i);
  }
  return out;
}

// The token that heads most directly for the end: EOS when allowed, else the
// last allowed id (ids are laid out so that the last family finishes the run:
// Velocity after Pitch, Duration after Velocity, Pitch after Chord).
int32_t closing_token(const Tokenizer& tok, const TokenGrammar& g) {
  auto ids = allowed_ids(g, tok.vocab_size());
  if (ids.empty()) return -1;
  for (int32_t id : ids)
    if (id == tok.eos_id()) return id;
  return ids.back();
}

// From any state EOS comes within a few tokens.
bool eos_reachable(const Tokenizer& tok, const TokenGrammar& start) {
  auto g = start.clone();
  for (int step = 0; step < 8 && !g->finished(); ++step)
    if (!g->advance(closing_token(tok, *g))) return false;
  return g->finished();
}

TEST(RemiGrammar, StartsWithBosAndEndsAtEos) {
  auto tok = Tokenizer::create();
  auto g = tok->grammar();
  EXPECT_EQ(allowed_ids(*g, tok->vocab_size()), std::vector<int32_t>{tok->bos_id()});
  EXPECT_FALSE(g->advance(tok->eos_id()));
  EXPECT_TRUE(g->advance(tok->bos_id()));
  EXPECT_TRUE(g->advance(tok->emotion_id(Quadrant::Q4)));
  EXPECT_FALSE(g->advance(tok->emotion_id(Quadrant::Q1)));
  EXPECT_FALSE(g->finished());
  EXPECT_TRUE(g->advance(tok->eos_id()));
  EXPECT_TRUE(g->finished());
  EXPECT_TRUE(allowed_ids(*g, tok->vocab_size()).empty());
  EXPECT_FALSE(g->advance(tok->token_from_string("Bar")));
}

TEST(RemiGrammar, RefusedTokensLeaveTheStateUnchanged) {
  auto tok = Tokenizer::create();
  auto g = tok->grammar();
  for (const char* t : {"BOS", "Bar", "Position_5", "Pitch_60"}) ASSERT_TRUE(g->advance(tok->token_from_string(t)));
  auto before = allowed_ids(*g, tok->vocab_size());
  EXPECT_FALSE(g->advance(tok->token_from_string("Duration_3")));
  EXPECT_FALSE(g->advance(-1));
  EXPECT_FALSE(g->advance(tok->vocab_size()));
  EXPECT_EQ(allowed_ids(*g, tok->vocab_size()), before);
  EXPECT_EQ(g->bar(), 1);
  EXPECT_EQ(g->position(), 5);
}

TEST(RemiGrammar, CompletedNoteAfterDuration) {
  auto tok = Tokenizer::create();
  auto g = tok->grammar();
  Note n;
  for (const char* t : {"BOS", "Bar", "Bar", "Position_6", "Pitch_64", "Velocity_98"}) {
    ASSERT_TRUE(g->advance(tok->token_from_string(t)));
    EXPECT_FALSE(g->completed_note(&n));
  }
  ASSERT_TRUE(g->advance(tok->token_from_string("Duration_3")));
  ASSERT_TRUE(g->completed_note(&n));
  EXPECT_EQ(n.pitch, 64);
  EXPECT_EQ(n.velocity, 98);
  EXPECT_EQ(n.start_tick, (16 + 6) * 120);
  EXPECT_EQ(n.end_tick, (16 + 9) * 120);
  EXPECT_DOUBLE_EQ(n.start_seconds, 22 * 0.125);  // 120 BPM until a Tempo token says otherwise
  ASSERT_TRUE(g->advance(tok->token_from_string("EOS")));
  EXPECT_FALSE(g->completed_note(&n));
}

// Every token the mask allows is accepted by advance() and vice versa.
void expect_mask_matches_advance(const Tokenizer& tok, const TokenGrammar& g) {
  std::vector<uint8_t> mask(static_cast<size_t>(tok.vocab_size()));
  g.allowed(mask.data());
  for (int32_t id = 0; id < tok.vocab_size(); ++id) {
    auto probe = g.clone();
    ASSERT_EQ(probe->advance(id), mask[static_cast<size_t>(id)] == 1) << tok.token_to_string(id);
  }
}

TEST(RemiGrammar, RandomWalksDecodeWithoutInvalidTokens) {
  std::mt19937 rng(77);
  for (const auto& config : test::test_configs()) {
    auto tok = Tokenizer::create(config);
    for (int walk = 0; walk < 300; ++walk) {
      auto g = tok->grammar();
      std::vector<int32_t> ids;
      std::vector<Note> notes;
      const size_t length = 20 + rng() % 400;
      while (!g->finished()) {
        ASSERT_LT(ids.size(), length + 8);
        if (walk < 10) expect_mask_matches_advance(*tok, *g);
        auto allowed = allowed_ids(*g, tok->vocab_size());
        ASSERT_FALSE(allowed.empty()) << "dead end after " << ids.size() << " tokens";
        if (walk % 5 == 0) ASSERT_TRUE(eos_reachable(*tok, *g));
        // EOS only once the walk has its length, then head for the end.
        int32_t id;
        if (ids.size() >= length) {
          id = closing_token(*tok, *g);
        } else {
          std::vector<int32_t> choices;
          for (int32_t a : allowed)
            if (a != tok->eos_id()) choices.push_back(a);
          id = choices.empty() ? allowed.front() : choices[rng() % choices.size()];
        }
        ASSERT_TRUE(g->advance(id));
        ids.push_back(id);
        Note n;
        if (g->completed_note(&n)) notes.push_back(n);
      }
      Score s = tok->decode(ids);
      ASSERT_EQ(s.warnings.invalid_tokens, 0) << test::join_tokens(*tok, ids);
      ASSERT_EQ(s.notes.size(), notes.size());
      for (size_t i = 0; i < notes.size(); ++i) {
        ASSERT_EQ(s.notes[i].pitch, notes[i].pitch);
        ASSERT_EQ(s.notes[i].start_tick, notes[i].start_tick);
        ASSERT_EQ(s.notes[i].end_tick, notes[i].end_tick);
        ASSERT_NEAR(s.notes[i].start_seconds, notes[i].start_seconds, 1e-9);
      }
    }
  }
}

TEST(RemiGrammar, AcceptsEveryEncodedSequence) {
  std::mt19937 rng(4242);
  for (const auto& config : test::test_configs()) {
    auto tok = Tokenizer::create(config);
    for (int i = 0; i < 300; ++i) {
      Score s = test::random_score(rng, i % 2 == 1);
      auto ids = tok->encode(s, i % 3 ? std::optional<Quadrant>(static_cast<Quadrant>(i % 4)) : std::nullopt);
      auto g = tok->grammar();
      for (size_t k = 0; k < ids.size(); ++k)
        ASSERT_TRUE(g->advance(ids[k])) << "token " << k << " " << tok->token_to_string(ids[k]) << " in "
                                        << test::join_tokens(*tok, ids);
      EXPECT_TRUE(g->finished());
      EXPECT_EQ(tok->decode(ids).warnings.invalid_tokens, 0);
    }
  }
}

TEST(RemiGrammar, MusicalPositionsFollowBarsAndPositions) {
  std::mt19937 rng(99);
  for (const auto& config : test::test_configs()) {
    auto tok = Tokenizer::create(config);
    for (int i = 0; i < 50; ++i) {
      auto ids = tok->encode(test::random_score(rng, true), Quadrant::Q2);
      // Splice in a few refused tokens: they keep the previous position.
      const size_t spliced = ids.size() / 2;
      ids.insert(ids.begin() + static_cast<std::ptrdiff_t>(spliced), tok->bos_id());
      std::vector<int32_t> bars(ids.size()), positions(ids.size());
      tok->musical_positions(ids.data(), ids.size(), bars.data(), positions.data());
      int32_t bar = 0, position = 0;
      for (size_t k = 0; k < ids.size(); ++k) {
        std::string t = tok->token_to_string(ids[k]);
        if (k != spliced) {
          if (t == "Bar") {
            ++bar;
            position = 0;
          } else if (t.rfind("Position_", 0) == 0) {
            position = std::stoi(t.substr(9));
          }
        }
        ASSERT_EQ(bars[k], bar) << k;
        ASSERT_EQ(positions[k], position) << k;
      }
    }
  }
  auto tok = Tokenizer::create();
  int32_t id = tok->bos_id();
  tok->musical_positions(&id, 1, nullptr, nullptr);  // either output may be omitted
}

TEST(RemiGrammar, PositionsAreLimitedByTheBarsMetre) {
  TokenizerConfig c;
  c.use_time_signature = true;
  auto tok = Tokenizer::create(c);
  auto g = tok->grammar();
  for (const char* t : {"BOS", "Bar", "TimeSig_3/4"}) ASSERT_TRUE(g->advance(tok->token_from_string(t)));
  EXPECT_FALSE(g->advance(tok->token_from_string("Position_12")));
  EXPECT_TRUE(g->advance(tok->token_from_string("Position_11")));
  ASSERT_TRUE(g->advance(tok->token_from_string("Pitch_60")));
  ASSERT_TRUE(g->advance(tok->token_from_string("Velocity_78")));
  ASSERT_TRUE(g->advance(tok->token_from_string("Duration_1")));
  // Nothing later than the last position: only the next bar or the end.
  auto ids = allowed_ids(*g, tok->vocab_size());
  for (int32_t id : ids) {
    std::string t = tok->token_to_string(id);
    EXPECT_TRUE(t == "Bar" || t == "EOS" || (t.rfind("Pitch_", 0) == 0 && std::stoi(t.substr(6)) > 60)) << t;
  }
  // The metre holds in later bars until the next TimeSig.
  ASSERT_TRUE(g->advance(tok->token_from_string("Bar")));
  EXPECT_FALSE(g->advance(tok->token_from_string("Position_12")));
  EXPECT_TRUE(g->advance(tok->token_from_string("TimeSig_4/4")));
  EXPECT_TRUE(g->advance(tok->token_from_string("Position_12")));
  EXPECT_EQ(g->bar(), 2);
}

}  // namespace
}  // namespace emopiano
