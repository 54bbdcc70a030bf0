// Live sessions through the C ABI with a tiny untrained model: the same bars
// as the C++ session, the emotion between bars, cancellation, the recording,
// and argument errors.
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "capi/capi_fixtures.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/session.hpp"
#include "support/test_support.hpp"

namespace {

using emopiano::capi_test::Owned;

using emopiano::capi_test::kTinyModel;
using emopiano::capi_test::tiny_model;

emopiano_session_params seeded_params(uint64_t seed) {
  emopiano_session_params p;
  EXPECT_EQ(emopiano_session_params_init(&p, sizeof p), EMOPIANO_OK);
  p.seed = seed;
  p.top_p = 1.0f;
  return p;
}

struct Session {
  emopiano_session* s = nullptr;
  explicit Session(const emopiano_session_params& p) {
    EXPECT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_OK) << emopiano_last_error();
  }
  Session(const Session&) = delete;
  ~Session() { emopiano_session_free(s); }
};

struct Bar {
  emopiano_session_bar info{};
  std::vector<emopiano_note> notes;
};

int next_bar(Bar* bar, emopiano_session* s) {
  bar->info.struct_size = sizeof bar->info;
  emopiano_note* notes = nullptr;
  size_t count = 0;
  const int status = emopiano_session_next_bar(&bar->info, &notes, &count, s);
  Owned<emopiano_note> owned(notes);
  if (status == EMOPIANO_OK) bar->notes.assign(notes, notes + count);
  return status;
}

bool same_notes(const std::vector<emopiano_note>& a, const std::vector<emopiano::Note>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].pitch != b[i].pitch || a[i].start_tick != b[i].start_tick || a[i].end_tick != b[i].end_tick ||
        a[i].velocity != b[i].velocity)
      return false;
  return true;
}

TEST(Session, WritesTheBarsOfTheCppSessionWithTheEmotionChangedBetweenBars) {
  emopiano_session_params p = seeded_params(4);
  emopiano_emotion calm;
  ASSERT_EQ(emopiano_emotion_from_quadrant(&calm, EMOPIANO_Q4), EMOPIANO_OK);
  p.emotion = &calm;
  Session session(p);

  emopiano::SessionOptions o;
  o.emotion = emopiano::EmotionMix::from_quadrant(emopiano::Quadrant::Q4);
  o.params.seed = 4;
  o.params.top_p = 1.0f;
  emopiano::Model model = emopiano::Model::create(emopiano::ModelConfig::from_json(kTinyModel), {}, 5);
  emopiano::GenerationSession cpp(model, o);

  emopiano_emotion tense;
  ASSERT_EQ(emopiano_emotion_parse(&tense, "tense"), EMOPIANO_OK);
  bool any_notes = false;
  for (int b = 0; b < 6; ++b) {
    if (b == 3) {
      ASSERT_EQ(emopiano_session_set_emotion(session.s, &tense), EMOPIANO_OK);
      cpp.set_emotion(emopiano::EmotionMix::parse("tense"));
    }
    Bar bar;
    ASSERT_EQ(next_bar(&bar, session.s), EMOPIANO_OK) << emopiano_last_error();
    const emopiano::SessionBar expected = cpp.next_bar();
    EXPECT_EQ(bar.info.index, b);
    EXPECT_EQ(bar.info.start_tick, expected.start_tick);
    EXPECT_EQ(bar.info.end_tick, expected.end_tick);
    EXPECT_DOUBLE_EQ(bar.info.bpm, expected.bpm);
    EXPECT_EQ(bar.info.key_tonic, -1) << "the tiny model has no key tokens";
    EXPECT_FLOAT_EQ(bar.info.emotion.p[b < 3 ? 3 : 1], 1.0f) << "bar " << b;
    EXPECT_TRUE(same_notes(bar.notes, expected.notes)) << "bar " << b;
    any_notes = any_notes || !bar.notes.empty();
  }
  EXPECT_TRUE(any_notes);
}

TEST(Session, LookaheadWritesTheSameBarsAsWritingOnDemand) {
  emopiano_session_params p = seeded_params(11);
  Session plain(p);
  p.lookahead = 1;
  Session ahead(p);
  emopiano_emotion sad;
  ASSERT_EQ(emopiano_emotion_parse(&sad, "sad"), EMOPIANO_OK);
  for (int b = 0; b < 8; ++b) {
    if (b == 2 || b == 5) {
      // Right after a bar, while the next one is being written ahead.
      ASSERT_EQ(emopiano_session_set_emotion(plain.s, &sad), EMOPIANO_OK);
      ASSERT_EQ(emopiano_session_set_emotion(ahead.s, &sad), EMOPIANO_OK);
      sad.p[0] = 0.25f;  // another emotion for the second change
      sad.p[2] = 0.75f;
    }
    Bar a, b2;
    ASSERT_EQ(next_bar(&a, plain.s), EMOPIANO_OK) << emopiano_last_error();
    ASSERT_EQ(next_bar(&b2, ahead.s), EMOPIANO_OK) << emopiano_last_error();
    EXPECT_EQ(a.info.start_tick, b2.info.start_tick) << "bar " << b;
    EXPECT_EQ(a.info.tokens, b2.info.tokens) << "bar " << b;
    EXPECT_EQ(a.notes.size(), b2.notes.size()) << "bar " << b;
    for (size_t i = 0; i < a.notes.size() && i < b2.notes.size(); ++i) {
      EXPECT_EQ(a.notes[i].pitch, b2.notes[i].pitch);
      EXPECT_EQ(a.notes[i].start_tick, b2.notes[i].start_tick);
    }
  }
  p.lookahead = 2;
  emopiano_session* s = nullptr;
  EXPECT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  // A program built before the field existed passes the first published size.
  p = seeded_params(11);
  p.struct_size = static_cast<uint32_t>(offsetof(emopiano_session_params, lookahead));
  p.lookahead = 1;  // past the size the library reads: ignored
  ASSERT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_OK) << emopiano_last_error();
  emopiano_session_free(s);
  // And one built before valence_guidance: a bad value past its size is never read.
  p = seeded_params(11);
  p.struct_size = static_cast<uint32_t>(offsetof(emopiano_session_params, valence_guidance));
  p.valence_guidance = std::nanf("");
  ASSERT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_OK) << emopiano_last_error();
  emopiano_session_free(s);
  // And before density.
  p = seeded_params(11);
  p.struct_size = static_cast<uint32_t>(offsetof(emopiano_session_params, density));
  p.density = std::nanf("");
  ASSERT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_OK) << emopiano_last_error();
  emopiano_session_free(s);
  // And before quadrant_density.
  p = seeded_params(11);
  p.struct_size = static_cast<uint32_t>(offsetof(emopiano_session_params, quadrant_density));
  p.quadrant_density[0] = -5.0f;
  ASSERT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_OK) << emopiano_last_error();
  emopiano_session_free(s);
}

TEST(Session, CancelStopsABarAndTheNextCallWritesItAfresh) {
  Session twin(seeded_params(7));
  Session session(seeded_params(7));
  Bar first, expected;
  ASSERT_EQ(next_bar(&first, session.s), EMOPIANO_OK);
  ASSERT_EQ(next_bar(&expected, twin.s), EMOPIANO_OK);
  ASSERT_EQ(next_bar(&expected, twin.s), EMOPIANO_OK);

  ASSERT_EQ(emopiano_session_cancel(session.s), EMOPIANO_OK);
  Bar cancelled;
  cancelled.info.struct_size = sizeof cancelled.info;
  emopiano_note* notes = reinterpret_cast<emopiano_note*>(&cancelled);  // must come back NULL
  size_t count = 0;
  EXPECT_EQ(emopiano_session_next_bar(&cancelled.info, &notes, &count, session.s), EMOPIANO_ERROR_CANCELLED);
  EXPECT_EQ(notes, nullptr);
  Bar again;
  ASSERT_EQ(next_bar(&again, session.s), EMOPIANO_OK) << emopiano_last_error();
  EXPECT_EQ(again.info.index, 1);
  EXPECT_EQ(again.info.start_tick, expected.info.start_tick);
  ASSERT_EQ(again.notes.size(), expected.notes.size());
  for (size_t i = 0; i < again.notes.size(); ++i) EXPECT_EQ(again.notes[i].pitch, expected.notes[i].pitch);
}

TEST(Session, RecordsEveryBarAsAValidMidiFile) {
  emopiano_session_params p = seeded_params(3);
  p.record = 1;
  Session session(p);
  const auto dir = emopiano::test::temp_dir("capi-session");
  const std::string path = (dir / "live.mid").string();
  size_t notes = 0;
  for (int b = 0; b < 8; ++b) {
    Bar bar;
    ASSERT_EQ(next_bar(&bar, session.s), EMOPIANO_OK);
    notes += bar.notes.size();
    ASSERT_EQ(emopiano_session_write_midi(session.s, path.c_str()), EMOPIANO_OK) << emopiano_last_error();
    const auto bytes = emopiano::capi_test::read_bytes(path);
    ASSERT_EQ(emopiano_midi_validate(bytes.data(), bytes.size()), EMOPIANO_OK) << "after bar " << b;
    EXPECT_EQ(emopiano::read_midi_file(path).notes.size(), notes) << "after bar " << b;
  }
  ASSERT_EQ(emopiano_session_reset(session.s), EMOPIANO_OK);
  Bar first;
  ASSERT_EQ(next_bar(&first, session.s), EMOPIANO_OK);
  EXPECT_EQ(first.info.index, 0);
  ASSERT_EQ(emopiano_session_write_midi(session.s, path.c_str()), EMOPIANO_OK);
  EXPECT_EQ(emopiano::read_midi_file(path).notes.size(), first.notes.size()) << "reset empties the recording";
}

TEST(Session, ArgumentErrorsAreStatusesWithAMessage) {
  emopiano_session* s = reinterpret_cast<emopiano_session*>(1);
  emopiano_session_params p = seeded_params(0);
  p.key = "H major";
  EXPECT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(s, nullptr);
  EXPECT_NE(std::string(emopiano_last_error()).find("H major"), std::string::npos);
  p = seeded_params(0);
  p.struct_size = 8;
  EXPECT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  p = seeded_params(0);
  EXPECT_EQ(p.rhythm_guidance, -1.0f);  // appended: the default
  p.rhythm_guidance = 30.0f;
  EXPECT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(emopiano_last_error()).find("rhythm_guidance"), std::string::npos) << emopiano_last_error();
  p = seeded_params(0);
  EXPECT_EQ(p.valence_guidance, -1.0f);  // appended: the default
  p.valence_guidance = std::nanf("");
  EXPECT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(emopiano_last_error()).find("valence_guidance"), std::string::npos) << emopiano_last_error();
  p = seeded_params(0);
  EXPECT_EQ(p.density, 0.0f);  // appended: the default, off
  p.density = -1.0f;
  EXPECT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(emopiano_last_error()).find("density"), std::string::npos) << emopiano_last_error();
  p = seeded_params(0);
  EXPECT_EQ(p.quadrant_density[3], 0.0f);
  p.quadrant_density[0] = 2.0f;  // one quadrant of four
  EXPECT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(emopiano_last_error()).find("quadrant_density"), std::string::npos) << emopiano_last_error();
  p = seeded_params(0);
  p.record = 2;
  EXPECT_EQ(emopiano_session_create(&s, tiny_model(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_session_create(&s, nullptr, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT);

  Session session(seeded_params(0));
  emopiano_session_bar bar{};
  bar.struct_size = 8;  // smaller than any published emopiano_session_bar
  emopiano_note* notes = nullptr;
  size_t count = 0;
  EXPECT_EQ(emopiano_session_next_bar(&bar, &notes, &count, session.s), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_session_next_bar(&bar, &notes, &count, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_session_set_emotion(session.s, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_session_write_midi(session.s, "never.mid"), EMOPIANO_ERROR_INVALID_ARGUMENT) << "not recording";
  EXPECT_EQ(emopiano_session_cancel(nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT);
  emopiano_session_free(nullptr);
}

}  // namespace
