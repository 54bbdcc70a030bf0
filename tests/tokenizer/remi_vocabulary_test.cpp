#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "emopiano/error.hpp"
#include "emopiano/tokenizer.hpp"
#include "tokenizer/remi_vocabulary.hpp"
#include "tokenizer_fixtures.hpp"

namespace emopiano {
namespace {

using tokenizer::RemiKind;
using tokenizer::RemiVocabulary;

TEST(RemiVocabulary, DefaultSizeIsTheSumOfItsFamilies) {
  auto tok = Tokenizer::create();
  // PAD BOS EOS, 4 emotions, Bar, 16 positions, 31 tempos, 88 pitches,
  // 32 velocities, 64 durations, Pedal_On/Off.
  EXPECT_EQ(tok->vocab_size(), 3 + 4 + 1 + 16 + 31 + 88 + 32 + 64 + 2);
  EXPECT_EQ(tok->max_positions_per_bar(), 16);
  EXPECT_EQ(tok->token_to_string(tok->pad_id()), "PAD");
  EXPECT_EQ(tok->token_to_string(tok->bos_id()), "BOS");
  EXPECT_EQ(tok->token_to_string(tok->eos_id()), "EOS");
}

TEST(RemiVocabulary, EveryIdRoundTripsThroughItsString) {
  for (const auto& config : test::test_configs()) {
    auto tok = Tokenizer::create(config);
    std::set<std::string> names;
    for (int32_t id = 0; id < tok->vocab_size(); ++id) {
      std::string s = tok->token_to_string(id);
      EXPECT_TRUE(names.insert(s).second) << "duplicate name " << s;
      EXPECT_EQ(tok->token_from_string(s), id) << s;
    }
  }
}

TEST(RemiVocabulary, OptionalFamiliesFollowTheConfig) {
  TokenizerConfig c;
  c.use_chords = true;
  c.use_time_signature = true;
  auto tok = Tokenizer::create(c);
  EXPECT_NO_THROW(tok->token_from_string("Chord_C_maj"));
  EXPECT_NO_THROW(tok->token_from_string("Chord_F#_min7"));
  EXPECT_NO_THROW(tok->token_from_string("TimeSig_3/4"));
  EXPECT_NO_THROW(tok->token_from_string("TimeSig_6/8"));
  EXPECT_NO_THROW(tok->token_from_string("Position_47"));  // 12/4 is the longest metre
  EXPECT_EQ(tok->max_positions_per_bar(), 48);

  c = TokenizerConfig{};
  c.use_pedal = false;
  c.use_tempo = false;
  tok = Tokenizer::create(c);
  for (const char* absent : {"Pedal_On", "Chord_C_maj", "TimeSig_4/4", "Tempo_120", "Position_16"}) {
    try {
      tok->token_from_string(absent);
      ADD_FAILURE() << absent << " is in the vocabulary";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::not_found);
    }
  }
  EXPECT_EQ(tok->vocab_size(), 3 + 4 + 1 + 16 + 88 + 32 + 64);
}

TEST(RemiVocabulary, OutOfRangeIdsHaveAnInvalidName) {
  auto tok = Tokenizer::create();
  EXPECT_EQ(tok->token_to_string(-1), "<invalid:-1>");
  EXPECT_EQ(tok->token_to_string(tok->vocab_size()), "<invalid:" + std::to_string(tok->vocab_size()) + ">");
}

TEST(RemiVocabulary, EmotionIdsMapBothWays) {
  auto tok = Tokenizer::create();
  for (int q = 0; q < kNumQuadrants; ++q) {
    int32_t id = tok->emotion_id(static_cast<Quadrant>(q));
    EXPECT_EQ(tok->token_to_string(id), "Emotion_Q" + std::to_string(q + 1));
    ASSERT_TRUE(tok->emotion_of(id).has_value());
    EXPECT_EQ(static_cast<int>(*tok->emotion_of(id)), q);
  }
  EXPECT_FALSE(tok->emotion_of(tok->bos_id()).has_value());
  EXPECT_FALSE(tok->emotion_of(-3).has_value());
}

TEST(RemiVocabulary, TheBarTokenIsNamedBar) {
  auto tok = Tokenizer::create();
  ASSERT_GE(tok->bar_id(), 0);
  EXPECT_EQ(tok->token_to_string(tok->bar_id()), "Bar");
  EXPECT_EQ(tok->bar_id(), tok->token_from_string("Bar"));
}

TEST(RemiVocabulary, VelocityBinsAreUniformAndRepresentativesStayInTheirBin) {
  for (int bins : {1, 8, 32, 127}) {
    TokenizerConfig c;
    c.velocity_bins = bins;
    RemiVocabulary v(c);
    std::vector<int> count(static_cast<size_t>(bins), 0);
    int previous = 0;
    for (int vel = 1; vel <= 127; ++vel) {
      int b = v.velocity_bin(vel);
      ASSERT_GE(b, 0);
      ASSERT_LT(b, bins);
      EXPECT_GE(b, previous);
      previous = b;
      ++count[static_cast<size_t>(b)];
    }
    for (int b = 0; b < bins; ++b) {
      EXPECT_EQ(v.velocity_bin(v.velocity_value(b)), b);
      // Uniform: every bin holds floor or ceil of 127 / bins velocities.
      EXPECT_LE(std::abs(count[static_cast<size_t>(b)] * bins - 127), bins);
    }
  }
  RemiVocabulary v{TokenizerConfig{}};
  EXPECT_EQ(v.velocity_bin(0), 0);
  EXPECT_EQ(v.velocity_bin(500), 31);
  // Velocity 80 is in bin floor(79 * 32 / 127) = 19, which holds 77..80.
  EXPECT_EQ(v.velocity_bin(80), 19);
  EXPECT_EQ(v.velocity_value(19), 78);
}

TEST(RemiVocabulary, TempoBinsAreGeometricAndNearestInLogSpace) {
  RemiVocabulary v{TokenizerConfig{}};
  EXPECT_DOUBLE_EQ(v.tempo_value(0), 30.0);
  EXPECT_NEAR(v.tempo_value(30), 240.0, 1e-9);
  double ratio = v.tempo_value(1) / v.tempo_value(0);
  EXPECT_NEAR(ratio, std::pow(2.0, 0.1), 1e-12);  // ten bins an octave
  for (int b = 1; b < 31; ++b) EXPECT_NEAR(v.tempo_value(b) / v.tempo_value(b - 1), ratio, 1e-9);
  for (double bpm = 20; bpm < 400; bpm *= 1.01) {
    int b = v.tempo_bin(bpm);
    double err = std::abs(std::log(bpm / v.tempo_value(b)));
    if (b > 0) EXPECT_LE(err, std::abs(std::log(bpm / v.tempo_value(b - 1))) + 1e-12);
    if (b < 30) EXPECT_LE(err, std::abs(std::log(bpm / v.tempo_value(b + 1))) + 1e-12);
  }
  EXPECT_EQ(v.tempo_bin(0.0), 0);
  EXPECT_EQ(v.tempo_bin(-5.0), 0);
  EXPECT_EQ(v.tempo_bin(1e9), 30);
  // 120 BPM = 30 * 2^(20/10): bin 20 exactly, so EMOPIA's tempo survives a round trip.
  EXPECT_EQ(v.tempo_bin(120.0), 20);
  EXPECT_NEAR(v.tempo_value(20), 120.0, 1e-9);
  EXPECT_EQ(v.name(v.tempo.begin + 20), "Tempo_120");
  EXPECT_EQ(v.name(v.tempo.begin + 10), "Tempo_60");
}

TEST(RemiVocabulary, FamiliesAreContiguousAndClassified) {
  TokenizerConfig c;
  c.use_chords = true;
  c.use_time_signature = true;
  RemiVocabulary v(c);
  struct Family {
    tokenizer::TokenRange range;
    RemiKind kind;
  };
  for (const Family& f :
       {Family{v.emotion, RemiKind::emotion}, Family{v.position, RemiKind::position}, Family{v.tempo, RemiKind::tempo},
        Family{v.pitch, RemiKind::pitch}, Family{v.velocity, RemiKind::velocity},
        Family{v.duration, RemiKind::duration}, Family{v.pedal, RemiKind::pedal}, Family{v.chord, RemiKind::chord},
        Family{v.time_signature, RemiKind::time_signature}}) {
    ASSERT_GT(f.range.count, 0);
    for (int32_t id = f.range.begin; id < f.range.end(); ++id) {
      EXPECT_EQ(v.kind(id), f.kind);
      EXPECT_EQ(v.index(id), id - f.range.begin);
    }
  }
  EXPECT_EQ(v.kind(v.bar()), RemiKind::bar);
  EXPECT_EQ(v.time_signature.end(), v.size());
}

}  // namespace
}  // namespace emopiano
