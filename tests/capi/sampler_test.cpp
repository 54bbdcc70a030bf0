// Generation through the C ABI with a tiny untrained model: every emotion
// input, primers, batches, streaming, progress and cancellation, results
// compared with the C++ Sampler, and argument errors.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "capi/capi_fixtures.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/tokenizer.hpp"
#include "support/test_support.hpp"

namespace {

using emopiano::capi_test::Owned;

using emopiano::capi_test::kTinyModel;
using emopiano::capi_test::tiny_model;

emopiano_generate_params params(uint64_t seed, int32_t max_tokens = 150) {
  emopiano_generate_params p;
  EXPECT_EQ(emopiano_generate_params_init(&p, sizeof p), EMOPIANO_OK);
  p.seed = seed;
  p.max_tokens = max_tokens;
  p.top_p = 1.0f;
  p.quadrant = EMOPIANO_Q2;
  return p;
}

struct Sampler {
  emopiano_sampler* s = nullptr;
  explicit Sampler(const emopiano_model* m = tiny_model()) {
    EXPECT_EQ(emopiano_sampler_create(&s, m), EMOPIANO_OK) << emopiano_last_error();
  }
  Sampler(const Sampler&) = delete;
  ~Sampler() { emopiano_sampler_free(s); }
};

struct Piece {
  emopiano_generation* g = nullptr;
  Piece() = default;
  Piece(const Piece&) = delete;
  ~Piece() { emopiano_generation_free(g); }
  std::vector<int32_t> tokens() const {
    const int32_t* t = nullptr;
    size_t n = 0;
    EXPECT_EQ(emopiano_generation_tokens(&t, &n, g), EMOPIANO_OK);
    return std::vector<int32_t>(t, t + n);
  }
  emopiano_generation_info info() const {
    emopiano_generation_info i{};
    i.struct_size = sizeof i;
    EXPECT_EQ(emopiano_generation_info_get(&i, g), EMOPIANO_OK) << emopiano_last_error();
    return i;
  }
};

std::vector<int32_t> generate(emopiano_sampler* s, const emopiano_generate_params& p) {
  Piece piece;
  EXPECT_EQ(emopiano_sampler_generate(&piece.g, s, &p), EMOPIANO_OK) << emopiano_last_error();
  return piece.g ? piece.tokens() : std::vector<int32_t>{};
}

TEST(CapiSampler, SameSeedSameTokensAndAgreesWithTheCppSampler) {
  Sampler a, b;
  const auto p = params(42);
  const auto t1 = generate(a.s, p);
  EXPECT_EQ(generate(b.s, p), t1);
  EXPECT_EQ(generate(a.s, p), t1);
  EXPECT_NE(generate(a.s, params(43)), t1);

  // The same request through the C++ API gives the same tokens.
  const auto cpp_model = emopiano::Model::create(emopiano::ModelConfig::from_json(kTinyModel), {}, 5);
  emopiano::Sampler cpp(cpp_model);
  emopiano::GenerationRequest r;
  r.emotion = emopiano::EmotionTrajectory(emopiano::EmotionMix::from_quadrant(emopiano::Quadrant::Q2));
  r.params.seed = 42;
  r.params.max_tokens = 150;
  r.params.top_p = 1.0f;
  EXPECT_EQ(cpp.generate(r).tokens, t1);
}

TEST(CapiSampler, ResultAccessorsAgree) {
  Sampler s;
  auto p = params(7);
  Piece piece;
  ASSERT_C_OK(emopiano_sampler_generate(&piece.g, s.s, &p));
  const auto info = piece.info();
  const auto tokens = piece.tokens();
  EXPECT_EQ(info.seed, 7u);
  EXPECT_EQ(info.prompt_tokens, 2);  // BOS and the emotion token
  EXPECT_GT(info.generated_tokens, 0);
  EXPECT_LE(info.generated_tokens, 150);
  EXPECT_GE(info.stop_reason, EMOPIANO_STOP_EOS);
  EXPECT_LE(info.stop_reason, EMOPIANO_STOP_DEAD_END);
  EXPECT_GE(info.seconds, 0.0);

  emopiano_tokenizer* tok = nullptr;
  ASSERT_C_OK(emopiano_model_tokenizer(&tok, tiny_model()));
  int32_t bos = -1, q2 = -1;
  ASSERT_C_OK(emopiano_tokenizer_special_id(&bos, tok, EMOPIANO_TOKEN_BOS));
  ASSERT_C_OK(emopiano_tokenizer_special_id(&q2, tok, EMOPIANO_TOKEN_EMOTION_Q2));
  ASSERT_GE(tokens.size(), 2u);
  EXPECT_EQ(tokens[0], bos);
  EXPECT_EQ(tokens[1], q2);

  // MIDI bytes, the file and the note list describe the same notes, and
  // decoding the tokens gives them again.
  uint8_t* bytes = nullptr;
  size_t size = 0;
  ASSERT_C_OK(emopiano_generation_midi_bytes(&bytes, &size, piece.g));
  Owned<uint8_t> owned_bytes(bytes);
  EXPECT_C_OK(emopiano_midi_validate(bytes, size));
  uint8_t* decoded = nullptr;
  size_t decoded_size = 0;
  ASSERT_C_OK(emopiano_tokenizer_decode_to_bytes(&decoded, &decoded_size, tok, tokens.data(), tokens.size()));
  Owned<uint8_t> owned_decoded(decoded);
  EXPECT_EQ(std::vector<uint8_t>(bytes, bytes + size), std::vector<uint8_t>(decoded, decoded + decoded_size));
  emopiano_tokenizer_free(tok);

  emopiano_note* notes = nullptr;
  size_t count = 0;
  ASSERT_C_OK(emopiano_generation_notes(&notes, &count, piece.g));
  Owned<emopiano_note> owned_notes(notes);
  EXPECT_EQ(static_cast<int64_t>(count), info.notes);
  const auto dir = emopiano::test::temp_dir("capi-sampler");
  const auto path = (dir / "piece.mid").string();
  ASSERT_C_OK(emopiano_generation_write_midi(piece.g, path.c_str()));
  EXPECT_EQ(emopiano::capi_test::read_bytes(path), std::vector<uint8_t>(bytes, bytes + size));
  emopiano_note* from_file = nullptr;
  size_t file_count = 0;
  ASSERT_C_OK(emopiano_midi_read_notes_file(&from_file, &file_count, path.c_str(), nullptr));
  emopiano_free(from_file);
  EXPECT_EQ(file_count, count);
}

TEST(CapiSampler, EveryEmotionInputSetsTheEmotionToken) {
  Sampler s;
  emopiano_tokenizer* tok = nullptr;
  ASSERT_C_OK(emopiano_model_tokenizer(&tok, tiny_model()));
  auto emotion_token = [&](const emopiano_generate_params& p) {
    const auto t = generate(s.s, p);
    return t.size() > 1 ? t[1] : -1;
  };
  int32_t expected = -1;

  auto p = params(1, 40);
  p.quadrant = 0;  // nothing set: Q1
  ASSERT_C_OK(emopiano_tokenizer_special_id(&expected, tok, EMOPIANO_TOKEN_EMOTION_Q1));
  EXPECT_EQ(emotion_token(p), expected);

  emopiano_emotion mix{};
  ASSERT_C_OK(emopiano_emotion_parse(&mix, "0.1,0.2,0.6,0.1"));
  p.emotion = &mix;
  ASSERT_C_OK(emopiano_tokenizer_special_id(&expected, tok, EMOPIANO_TOKEN_EMOTION_Q3));
  EXPECT_EQ(emotion_token(p), expected);

  emopiano_emotion va{};
  ASSERT_C_OK(emopiano_emotion_from_valence_arousal(&va, 0.8f, -0.9f));  // calm
  p.emotion = &va;
  ASSERT_C_OK(emopiano_tokenizer_special_id(&expected, tok, EMOPIANO_TOKEN_EMOTION_Q4));
  EXPECT_EQ(emotion_token(p), expected);

  emopiano_trajectory* traj = nullptr;
  ASSERT_C_OK(emopiano_trajectory_parse(&traj, "Q2@0,Q1@4"));
  p.emotion = nullptr;
  p.trajectory = traj;
  ASSERT_C_OK(emopiano_tokenizer_special_id(&expected, tok, EMOPIANO_TOKEN_EMOTION_Q2));
  EXPECT_EQ(emotion_token(p), expected);

  // More than one emotion input is ambiguous.
  p.quadrant = EMOPIANO_Q3;
  Piece piece;
  EXPECT_C_ERROR(emopiano_sampler_generate(&piece.g, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT, "at most one");
  EXPECT_EQ(piece.g, nullptr);
  emopiano_trajectory_free(traj);
  emopiano_tokenizer_free(tok);
}

TEST(CapiSampler, PrimerFromBytesAndFileIsContinued) {
  Sampler s;
  const auto primer = emopiano::capi_test::small_piece_bytes();
  auto p = params(3, 60);
  p.primer_data = primer.data();
  p.primer_size = primer.size();
  Piece a;
  ASSERT_C_OK(emopiano_sampler_generate(&a.g, s.s, &p));
  emopiano_tokenizer* tok = nullptr;
  ASSERT_C_OK(emopiano_model_tokenizer(&tok, tiny_model()));
  emopiano_encode_params enc;
  ASSERT_C_OK(emopiano_encode_params_init(&enc, sizeof enc));
  enc.quadrant = EMOPIANO_Q2;
  int32_t* encoded = nullptr;
  size_t encoded_count = 0;
  ASSERT_C_OK(emopiano_tokenizer_encode_bytes(&encoded, &encoded_count, tok, primer.data(), primer.size(), &enc));
  Owned<int32_t> owned(encoded);
  // The sequence starts with the primer's tokens (its EOS dropped).
  const auto tokens = a.tokens();
  ASSERT_GT(tokens.size(), encoded_count - 1);
  EXPECT_EQ(std::vector<int32_t>(tokens.begin(), tokens.begin() + (encoded_count - 1)),
            std::vector<int32_t>(encoded, encoded + encoded_count - 1));
  EXPECT_EQ(a.info().prompt_tokens, static_cast<int64_t>(encoded_count - 1));

  const auto dir = emopiano::test::temp_dir("capi-sampler");
  const auto path = dir / "primer.mid";
  emopiano::capi_test::write_bytes(path, primer);
  const std::string path_string = path.string();
  p.primer_data = nullptr;
  p.primer_size = 0;
  p.primer_path = path_string.c_str();
  Piece b;
  ASSERT_C_OK(emopiano_sampler_generate(&b.g, s.s, &p));
  EXPECT_EQ(b.tokens(), tokens);

  // Corrupt primer bytes, a missing file, or both kinds at once are errors.
  p.primer_path = nullptr;
  const uint8_t corrupt[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1};
  p.primer_data = corrupt;
  p.primer_size = sizeof corrupt;
  Piece c;
  EXPECT_EQ(emopiano_sampler_generate(&c.g, s.s, &p), EMOPIANO_ERROR_FORMAT);
  p.primer_path = path_string.c_str();
  EXPECT_C_ERROR(emopiano_sampler_generate(&c.g, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT, "not both");
  p.primer_data = nullptr;
  p.primer_size = 0;
  p.primer_path = "/nonexistent/primer.mid";
  EXPECT_C_ERROR(emopiano_sampler_generate(&c.g, s.s, &p), EMOPIANO_ERROR_IO, "primer.mid");
  EXPECT_EQ(c.g, nullptr);
  emopiano_tokenizer_free(tok);
}

struct NoteLog {
  std::vector<emopiano_note> notes;
  std::vector<int32_t> pieces;
};

void log_note(const emopiano_note* note, int32_t piece, void* user_data) {
  auto* log = static_cast<NoteLog*>(user_data);
  log->notes.push_back(*note);
  log->pieces.push_back(piece);
}

TEST(CapiSampler, NoteCallbackStreamsEveryNote) {
  Sampler s;
  NoteLog log;
  auto p = params(11, 200);
  p.on_note = log_note;
  p.note_user_data = &log;
  Piece piece;
  ASSERT_C_OK(emopiano_sampler_generate(&piece.g, s.s, &p));
  emopiano_note* notes = nullptr;
  size_t count = 0;
  ASSERT_C_OK(emopiano_generation_notes(&notes, &count, piece.g));
  Owned<emopiano_note> owned(notes);
  ASSERT_GT(count, 0u) << "the tiny model should produce some notes in 200 tokens";
  ASSERT_EQ(log.notes.size(), count);
  for (int32_t i : log.pieces) EXPECT_EQ(i, 0);
  // Same notes as the result (the stream is in generation order, as is the score's).
  auto key = [](const emopiano_note& n) { return std::make_tuple(n.start_tick, n.pitch, n.end_tick, n.velocity); };
  std::vector<std::tuple<int64_t, int32_t, int64_t, int32_t>> streamed, result;
  for (const auto& n : log.notes) streamed.push_back(key(n));
  for (size_t i = 0; i < count; ++i) result.push_back(key(notes[i]));
  std::sort(streamed.begin(), streamed.end());
  std::sort(result.begin(), result.end());
  EXPECT_EQ(streamed, result);
}

struct ProgressLog {
  int calls = 0;
  int stop_after = -1;
  int64_t last_done = -1;
  std::string stage;
};

int on_progress(const emopiano_progress* p, void* user_data) {
  auto* log = static_cast<ProgressLog*>(user_data);
  ++log->calls;
  EXPECT_EQ(p->struct_size, sizeof(emopiano_progress));
  EXPECT_GT(p->done, log->last_done);
  log->last_done = p->done;
  log->stage = p->stage;
  return log->stop_after < 0 || log->calls < log->stop_after;
}

TEST(CapiSampler, ProgressCallbackReportsAndCancels) {
  Sampler s;
  ProgressLog log;
  auto p = params(5, 100);
  p.progress = on_progress;
  p.progress_user_data = &log;
  Piece piece;
  ASSERT_C_OK(emopiano_sampler_generate(&piece.g, s.s, &p));
  EXPECT_GT(log.calls, 0);
  EXPECT_EQ(log.stage, "generate");

  ProgressLog stopping;
  stopping.stop_after = 5;
  p.progress_user_data = &stopping;
  Piece cancelled;
  EXPECT_C_ERROR(emopiano_sampler_generate(&cancelled.g, s.s, &p), EMOPIANO_ERROR_CANCELLED, "cancel");
  EXPECT_EQ(stopping.calls, 5);
  EXPECT_EQ(cancelled.g, nullptr);
}

TEST(CapiSampler, CancelTokenFromAnotherThread) {
  Sampler s;
  emopiano_cancel_token* token = nullptr;
  ASSERT_C_OK(emopiano_cancel_token_new(&token));
  // Already cancelled: fails at once.
  ASSERT_C_OK(emopiano_cancel_token_cancel(token));
  auto p = params(9, 100000);
  p.max_tokens = 100000;
  p.stop_at_eos = 0;
  p.cancel = token;
  Piece piece;
  EXPECT_C_ERROR(emopiano_sampler_generate(&piece.g, s.s, &p), EMOPIANO_ERROR_CANCELLED, "cancel");

  // Cancelled while running: a long piece stops soon after the flag is set.
  ASSERT_C_OK(emopiano_cancel_token_reset(token));
  std::atomic<bool> started{false};
  p.on_note = [](const emopiano_note*, int32_t, void* flag) { static_cast<std::atomic<bool>*>(flag)->store(true); };
  p.note_user_data = &started;
  std::thread canceller([&] {
    while (!started.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    emopiano_cancel_token_cancel(token);
  });
  const auto t0 = std::chrono::steady_clock::now();
  const int status = emopiano_sampler_generate(&piece.g, s.s, &p);
  canceller.join();
  EXPECT_EQ(status, EMOPIANO_ERROR_CANCELLED) << emopiano_last_error();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(60));
  emopiano_cancel_token_free(token);
}

TEST(CapiSampler, BatchPiecesMatchSingleGenerations) {
  Sampler s;
  const auto p = params(100, 80);
  emopiano_generation* pieces[3] = {nullptr, nullptr, nullptr};
  ASSERT_C_OK(emopiano_sampler_generate_batch(pieces, 3, s.s, &p));
  for (int i = 0; i < 3; ++i) {
    Piece piece;
    piece.g = pieces[i];
    ASSERT_NE(piece.g, nullptr);
    EXPECT_EQ(piece.info().seed, 100u + i);
    auto single = p;
    single.seed = 100 + i;
    EXPECT_EQ(piece.tokens(), generate(s.s, single)) << "piece " << i;
  }
  emopiano_generation* none[2] = {reinterpret_cast<emopiano_generation*>(0x1),
                                  reinterpret_cast<emopiano_generation*>(0x1)};
  EXPECT_C_ERROR(emopiano_sampler_generate_batch(none, 0, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT, "at least 1");
  EXPECT_C_ERROR(emopiano_sampler_generate_batch(nullptr, 2, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT, "out_pieces");
  auto bad = p;
  bad.temperature = -1.0f;
  EXPECT_EQ(emopiano_sampler_generate_batch(none, 2, s.s, &bad), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(none[0], nullptr);
  EXPECT_EQ(none[1], nullptr);
}

TEST(CapiSampler, RejectsBadArguments) {
  Sampler s;
  Piece piece;
  auto p = params(1);
  EXPECT_C_ERROR(emopiano_sampler_create(nullptr, tiny_model()), EMOPIANO_ERROR_INVALID_ARGUMENT, "out");
  emopiano_sampler* none = reinterpret_cast<emopiano_sampler*>(0x1);
  EXPECT_C_ERROR(emopiano_sampler_create(&none, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "model");
  EXPECT_EQ(none, nullptr);
  EXPECT_C_ERROR(emopiano_sampler_generate(&piece.g, nullptr, &p), EMOPIANO_ERROR_INVALID_ARGUMENT, "sampler");
  EXPECT_C_ERROR(emopiano_sampler_generate(nullptr, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT, "out");

  auto bad = p;
  bad.quadrant = 5;
  EXPECT_C_ERROR(emopiano_sampler_generate(&piece.g, s.s, &bad), EMOPIANO_ERROR_INVALID_ARGUMENT, "quadrant 5");
  bad = p;
  bad.temperature = std::nanf("");
  EXPECT_EQ(emopiano_sampler_generate(&piece.g, s.s, &bad), EMOPIANO_ERROR_INVALID_ARGUMENT);
  bad = p;
  bad.top_p = 1.5f;
  EXPECT_EQ(emopiano_sampler_generate(&piece.g, s.s, &bad), EMOPIANO_ERROR_INVALID_ARGUMENT);
  bad = p;
  bad.max_tokens = 0;
  EXPECT_EQ(emopiano_sampler_generate(&piece.g, s.s, &bad), EMOPIANO_ERROR_INVALID_ARGUMENT);
  bad = p;
  bad.stop_at_eos = 2;
  EXPECT_C_ERROR(emopiano_sampler_generate(&piece.g, s.s, &bad), EMOPIANO_ERROR_INVALID_ARGUMENT, "stop_at_eos");
  bad = p;
  bad.struct_size = 8;
  EXPECT_C_ERROR(emopiano_sampler_generate(&piece.g, s.s, &bad), EMOPIANO_ERROR_INVALID_ARGUMENT, "struct_size 8");
  bad = p;
  emopiano_emotion garbage{{-1, 0, 0, 0}};
  bad.quadrant = 0;
  bad.emotion = &garbage;
  EXPECT_EQ(emopiano_sampler_generate(&piece.g, s.s, &bad), EMOPIANO_ERROR_INVALID_ARGUMENT);
  emopiano_trajectory* empty = nullptr;
  ASSERT_C_OK(emopiano_trajectory_new(&empty));
  bad.emotion = nullptr;
  bad.trajectory = empty;
  EXPECT_C_ERROR(emopiano_sampler_generate(&piece.g, s.s, &bad), EMOPIANO_ERROR_INVALID_ARGUMENT, "no keyframes");
  emopiano_trajectory_free(empty);
  EXPECT_EQ(piece.g, nullptr);

  emopiano_generation_info info{};
  info.struct_size = 4;
  ASSERT_C_OK(emopiano_sampler_generate(&piece.g, s.s, &p));
  EXPECT_C_ERROR(emopiano_generation_info_get(&info, piece.g), EMOPIANO_ERROR_INVALID_ARGUMENT, "struct_size 4");
  info.struct_size = sizeof info;
  EXPECT_C_ERROR(emopiano_generation_info_get(&info, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "piece");
  const int32_t* tokens = nullptr;
  size_t n = 0;
  EXPECT_C_ERROR(emopiano_generation_tokens(&tokens, nullptr, piece.g), EMOPIANO_ERROR_INVALID_ARGUMENT, "out_count");
  EXPECT_C_ERROR(emopiano_generation_write_midi(piece.g, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "path");
  EXPECT_C_ERROR(emopiano_generation_write_midi(piece.g, "/nonexistent-dir/x.mid"), EMOPIANO_ERROR_IO,
                 "nonexistent-dir");
  (void)n;
  EXPECT_C_ERROR(emopiano_set_compute_threads(-1), EMOPIANO_ERROR_INVALID_ARGUMENT, "threads");
  emopiano_sampler_free(nullptr);
  emopiano_generation_free(nullptr);
}

TEST(CapiSampler, SamplerOutlivesItsModelHandle) {
  emopiano_model* model = nullptr;
  ASSERT_C_OK(emopiano_model_create(&model, kTinyModel, nullptr, 5));
  Sampler s(model);
  emopiano_model_free(model);
  EXPECT_EQ(generate(s.s, params(42)), generate(Sampler().s, params(42)));
}

}  // namespace

namespace {

emopiano_model* key_model() {
  static emopiano_model* model = [] {
    emopiano_model* m = nullptr;
    EXPECT_EQ(emopiano_model_create(&m, kTinyModel, R"({"use_key": true, "emotion_token": false})", 5), EMOPIANO_OK)
        << emopiano_last_error();
    return m;
  }();
  return model;
}

TEST(CapiSampler, GuidanceAndKeyAreAppendedParams) {
  Sampler s(key_model());
  auto p = params(4);
  EXPECT_EQ(p.guidance, -1.0f);  // the model's default
  EXPECT_EQ(p.key, nullptr);
  p.key = "A minor";
  p.guidance = 0.0f;
  p.quadrant = EMOPIANO_Q1;
  const auto q1 = generate(s.s, p);
  ASSERT_GE(q1.size(), 2u);
  EXPECT_EQ(q1[1], *emopiano::Tokenizer::create(
                        emopiano::TokenizerConfig::from_json(R"({"use_key": true, "emotion_token": false})"))
                        ->key_id(emopiano::MusicalKey{9, false}));
  // w = 0 ignores the emotion; w = 4 does not.
  p.quadrant = EMOPIANO_Q3;
  EXPECT_EQ(generate(s.s, p), q1);
  p.guidance = 4.0f;
  EXPECT_NE(generate(s.s, p), q1);

  // The rhythm's weight: by default the smaller of the guidance and 2; equal
  // to the guidance it is plain guidance, which writes other music here.
  EXPECT_EQ(params(4).rhythm_guidance, -1.0f);
  const auto by_default = generate(s.s, p);
  p.rhythm_guidance = 2.0f;
  EXPECT_EQ(generate(s.s, p), by_default);
  p.rhythm_guidance = 4.0f;
  EXPECT_NE(generate(s.s, p), by_default);
  p.rhythm_guidance = std::nanf("");
  Piece refused;
  EXPECT_EQ(emopiano_sampler_generate(&refused.g, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(emopiano_last_error()).find("rhythm_guidance"), std::string::npos) << emopiano_last_error();
  p.rhythm_guidance = -1.0f;

  // Valence guidance: off by default for a model without the null emotion
  // (this one); a weight of its own writes other music once the valence has
  // changed (tense for a bar, then calm).
  EXPECT_EQ(params(4).valence_guidance, -1.0f);
  emopiano_trajectory* tense_to_calm = nullptr;
  ASSERT_C_OK(emopiano_trajectory_parse(&tense_to_calm, "Q2@0,Q2@1,Q4@1"));
  p.quadrant = 0;
  p.trajectory = tense_to_calm;
  const int32_t max_tokens = p.max_tokens;
  p.max_tokens = 400;  // into the second bar
  p.stop_at_eos = 0;
  const auto without = generate(s.s, p);
  p.valence_guidance = 0.0f;
  EXPECT_EQ(generate(s.s, p), without);
  p.valence_guidance = 2.0f;
  EXPECT_NE(generate(s.s, p), without);
  p.trajectory = nullptr;
  p.max_tokens = max_tokens;
  p.stop_at_eos = 1;
  emopiano_trajectory_free(tense_to_calm);
  p.quadrant = EMOPIANO_Q3;
  p.valence_guidance = 21.0f;
  EXPECT_EQ(emopiano_sampler_generate(&refused.g, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(emopiano_last_error()).find("valence_guidance"), std::string::npos) << emopiano_last_error();

  // A caller built against an older, shorter struct gets the defaults.
  for (size_t size : {offsetof(emopiano_generate_params, guidance), offsetof(emopiano_generate_params, rhythm_guidance),
                      offsetof(emopiano_generate_params, valence_guidance)}) {
    emopiano_generate_params old = params(4);
    old.struct_size = static_cast<uint32_t>(size);
    // Past the struct: never read.
    if (size <= offsetof(emopiano_generate_params, rhythm_guidance)) old.rhythm_guidance = std::nanf("");
    old.valence_guidance = std::nanf("");
    Piece piece;
    EXPECT_EQ(emopiano_sampler_generate(&piece.g, s.s, &old), EMOPIANO_OK) << emopiano_last_error();
  }
}

// Density reaches the sampler: a piece asked for half a note a beat has
// fewer notes than one asked for four, out of range is refused, and a caller
// built before the field gets the model's own density.
TEST(CapiSampler, DensityIsPassedThrough) {
  Sampler s;
  auto p = params(3, 20000);
  EXPECT_EQ(p.density, 0.0f);
  p.max_bars = 8;
  p.stop_at_eos = 0;
  auto notes_at = [&](float density) {
    p.density = density;
    Piece piece;
    EXPECT_EQ(emopiano_sampler_generate(&piece.g, s.s, &p), EMOPIANO_OK) << emopiano_last_error();
    emopiano_generation_info info{};
    info.struct_size = sizeof info;
    EXPECT_EQ(emopiano_generation_info_get(&info, piece.g), EMOPIANO_OK);
    EXPECT_EQ(info.bars, 8);
    return info.notes;
  };
  const int64_t sparse = notes_at(0.5f), dense = notes_at(4.0f);
  EXPECT_LT(sparse, 8 * 4);  // about 16; the tiny model's own is some 2 a beat
  EXPECT_GT(dense, 8 * 4 * 2);
  // Per quadrant: this Q2 piece takes Q2's value.
  p.density = 0.0f;
  const float per_quadrant[4] = {6.0f, 0.5f, 6.0f, 6.0f};
  std::copy(per_quadrant, per_quadrant + 4, p.quadrant_density);
  EXPECT_EQ(notes_at(0.0f), sparse);
  p.density = 2.0f;  // beside quadrant_density: refused
  Piece both;
  EXPECT_EQ(emopiano_sampler_generate(&both.g, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  std::fill(p.quadrant_density, p.quadrant_density + 4, 0.0f);
  p.density = 17.0f;
  Piece refused;
  EXPECT_EQ(emopiano_sampler_generate(&refused.g, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(emopiano_last_error()).find("density"), std::string::npos) << emopiano_last_error();
  p.struct_size = static_cast<uint32_t>(offsetof(emopiano_generate_params, density));
  p.density = std::nanf("");  // past the struct: never read
  const int64_t own = notes_at(std::nanf(""));
  p.struct_size = sizeof p;
  EXPECT_EQ(notes_at(0.0f), own);
}

TEST(CapiSampler, BadKeyOrGuidanceIsRefusedWithAMessage) {
  Sampler s(key_model());
  auto p = params(4);
  p.key = "H major";
  Piece piece;
  EXPECT_EQ(emopiano_sampler_generate(&piece.g, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(emopiano_last_error()).find("H major"), std::string::npos) << emopiano_last_error();
  EXPECT_EQ(piece.g, nullptr);
  p.key = nullptr;
  p.guidance = 1e9f;
  EXPECT_EQ(emopiano_sampler_generate(&piece.g, s.s, &p), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(emopiano_last_error()).find("guidance"), std::string::npos) << emopiano_last_error();
}

}  // namespace
