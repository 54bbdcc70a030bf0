// Tokenizer entry points: creation from JSON, special ids and token strings,
// encoding MIDI files and bytes, decoding to files and bytes, error paths.
#include <string>
#include <vector>

#include "capi/capi_fixtures.hpp"
#include "emopiano/tokenizer.hpp"
#include "support/test_support.hpp"

namespace {

using emopiano::capi_test::Owned;
using emopiano::capi_test::small_piece_bytes;

struct TokenizerHandle {
  emopiano_tokenizer* t = nullptr;
  explicit TokenizerHandle(const char* json = nullptr) {
    EXPECT_EQ(emopiano_tokenizer_create(&t, json), EMOPIANO_OK) << emopiano_last_error();
  }
  ~TokenizerHandle() { emopiano_tokenizer_free(t); }
};

std::vector<int32_t> encode_bytes(const emopiano_tokenizer* t, const std::vector<uint8_t>& bytes,
                                  const emopiano_encode_params* params) {
  int32_t* tokens = nullptr;
  size_t count = 0;
  EXPECT_EQ(emopiano_tokenizer_encode_bytes(&tokens, &count, t, bytes.data(), bytes.size(), params), EMOPIANO_OK)
      << emopiano_last_error();
  Owned<int32_t> owned(tokens);
  return std::vector<int32_t>(tokens, tokens + count);
}

TEST(CapiTokenizer, CreateAndDescribe) {
  TokenizerHandle h;
  ASSERT_NE(h.t, nullptr);
  const auto cpp = emopiano::Tokenizer::create();
  int32_t vocab = 0;
  ASSERT_C_OK(emopiano_tokenizer_vocab_size(&vocab, h.t));
  EXPECT_EQ(vocab, cpp->vocab_size());
  char* json = nullptr;
  ASSERT_C_OK(emopiano_tokenizer_config_json(&json, h.t));
  Owned<char> owned(json);
  EXPECT_EQ(emopiano::TokenizerConfig::from_json(json), cpp->config());

  // A non-default config takes effect.
  TokenizerHandle small(R"({"velocity_bins": 8, "use_pedal": false})");
  int32_t small_vocab = 0;
  ASSERT_C_OK(emopiano_tokenizer_vocab_size(&small_vocab, small.t));
  EXPECT_LT(small_vocab, vocab);
  TokenizerHandle empty_json("");
  int32_t v2 = 0;
  ASSERT_C_OK(emopiano_tokenizer_vocab_size(&v2, empty_json.t));
  EXPECT_EQ(v2, vocab);
}

TEST(CapiTokenizer, CreateRejectsBadConfigs) {
  emopiano_tokenizer* t = reinterpret_cast<emopiano_tokenizer*>(0x1);
  EXPECT_EQ(emopiano_tokenizer_create(&t, "{not json"), EMOPIANO_ERROR_FORMAT);
  EXPECT_EQ(t, nullptr);
  EXPECT_STRNE(emopiano_last_error(), "");
  EXPECT_EQ(emopiano_tokenizer_create(&t, R"({"pitch_min": 100, "pitch_max": 20})"), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_tokenizer_create(&t, R"({"scheme": "no-such-scheme"})"), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_C_ERROR(emopiano_tokenizer_create(nullptr, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "out");
  int32_t v = 0;
  EXPECT_C_ERROR(emopiano_tokenizer_vocab_size(&v, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "tokenizer");
  char* json = reinterpret_cast<char*>(0x1);
  EXPECT_C_ERROR(emopiano_tokenizer_config_json(&json, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "tokenizer");
  EXPECT_EQ(json, nullptr);
}

TEST(CapiTokenizer, SpecialIdsAndTokenStrings) {
  TokenizerHandle h;
  const auto cpp = emopiano::Tokenizer::create();
  int32_t id = -1;
  ASSERT_C_OK(emopiano_tokenizer_special_id(&id, h.t, EMOPIANO_TOKEN_BOS));
  EXPECT_EQ(id, cpp->bos_id());
  ASSERT_C_OK(emopiano_tokenizer_special_id(&id, h.t, EMOPIANO_TOKEN_EOS));
  EXPECT_EQ(id, cpp->eos_id());
  ASSERT_C_OK(emopiano_tokenizer_special_id(&id, h.t, EMOPIANO_TOKEN_PAD));
  EXPECT_EQ(id, cpp->pad_id());
  ASSERT_C_OK(emopiano_tokenizer_special_id(&id, h.t, EMOPIANO_TOKEN_EMOTION_Q3));
  EXPECT_EQ(id, cpp->emotion_id(emopiano::Quadrant::Q3));
  EXPECT_C_ERROR(emopiano_tokenizer_special_id(&id, h.t, 7), EMOPIANO_ERROR_INVALID_ARGUMENT, "special token 7");
  EXPECT_EQ(emopiano_tokenizer_special_id(&id, h.t, -1), EMOPIANO_ERROR_INVALID_ARGUMENT);

  int32_t vocab = 0;
  ASSERT_C_OK(emopiano_tokenizer_vocab_size(&vocab, h.t));
  // Every token's string maps back to its id.
  for (int32_t i = 0; i < vocab; ++i) {
    char buffer[64];
    size_t needed = 0;
    ASSERT_C_OK(emopiano_tokenizer_token_to_string(buffer, sizeof buffer, &needed, h.t, i));
    EXPECT_EQ(needed, std::string(buffer).size() + 1);
    EXPECT_EQ(buffer, cpp->token_to_string(i));
    int32_t back = -1;
    ASSERT_C_OK(emopiano_tokenizer_token_from_string(&back, h.t, buffer));
    EXPECT_EQ(back, i) << buffer;
  }
  int32_t bar = -1;
  ASSERT_C_OK(emopiano_tokenizer_token_from_string(&bar, h.t, "Bar"));
  EXPECT_EQ(cpp->token_to_string(bar), "Bar");
}

TEST(CapiTokenizer, TokenStringBuffersAndUnknownNames) {
  TokenizerHandle h;
  int32_t pitch = -1;
  ASSERT_C_OK(emopiano_tokenizer_token_from_string(&pitch, h.t, "Pitch_60"));
  size_t needed = 0;
  EXPECT_C_ERROR(emopiano_tokenizer_token_to_string(nullptr, 0, &needed, h.t, pitch), EMOPIANO_ERROR_BUFFER_TOO_SMALL,
                 "9 needed");
  EXPECT_EQ(needed, sizeof "Pitch_60");
  char exact[sizeof "Pitch_60"];
  ASSERT_C_OK(emopiano_tokenizer_token_to_string(exact, sizeof exact, &needed, h.t, pitch));
  EXPECT_STREQ(exact, "Pitch_60");
  char small[8];
  EXPECT_EQ(emopiano_tokenizer_token_to_string(small, sizeof small, &needed, h.t, pitch),
            EMOPIANO_ERROR_BUFFER_TOO_SMALL);

  char buffer[64];
  ASSERT_C_OK(emopiano_tokenizer_token_to_string(buffer, sizeof buffer, nullptr, h.t, 1 << 30));
  EXPECT_EQ(std::string(buffer).rfind("<invalid:", 0), 0u) << buffer;

  int32_t id = -7;
  EXPECT_C_ERROR(emopiano_tokenizer_token_from_string(&id, h.t, "Pitch_9999"), EMOPIANO_ERROR_NOT_FOUND, "Pitch_9999");
  EXPECT_EQ(id, -7);
  EXPECT_C_ERROR(emopiano_tokenizer_token_from_string(&id, h.t, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "text");
  EXPECT_C_ERROR(emopiano_tokenizer_token_to_string(buffer, sizeof buffer, nullptr, nullptr, 1),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "tokenizer");
}

TEST(CapiTokenizer, EncodeMatchesTheCppTokenizer) {
  TokenizerHandle h;
  const auto bytes = small_piece_bytes();
  const auto cpp = emopiano::Tokenizer::create();
  const auto score = emopiano::read_midi_bytes(bytes.data(), bytes.size());

  EXPECT_EQ(encode_bytes(h.t, bytes, nullptr), cpp->encode(score));

  emopiano_encode_params params;
  ASSERT_C_OK(emopiano_encode_params_init(&params, sizeof params));
  EXPECT_EQ(params.quadrant, 0);
  params.quadrant = EMOPIANO_Q4;
  const auto with_emotion = encode_bytes(h.t, bytes, &params);
  EXPECT_EQ(with_emotion, cpp->encode(score, emopiano::Quadrant::Q4));
  ASSERT_GT(with_emotion.size(), 2u);
  EXPECT_EQ(with_emotion[0], cpp->bos_id());
  EXPECT_EQ(with_emotion[1], cpp->emotion_id(emopiano::Quadrant::Q4));
  EXPECT_EQ(with_emotion.back(), cpp->eos_id());

  const auto dir = emopiano::test::temp_dir("capi-tok");
  const auto path = dir / "piece.mid";
  emopiano::capi_test::write_bytes(path, bytes);
  int32_t* tokens = nullptr;
  size_t count = 0;
  ASSERT_C_OK(emopiano_tokenizer_encode_file(&tokens, &count, h.t, path.c_str(), &params));
  Owned<int32_t> owned(tokens);
  EXPECT_EQ(std::vector<int32_t>(tokens, tokens + count), with_emotion);
}

TEST(CapiTokenizer, EncodeErrors) {
  TokenizerHandle h;
  const auto bytes = small_piece_bytes();
  int32_t* tokens = reinterpret_cast<int32_t*>(0x1);
  size_t count = 0;
  emopiano_encode_params params;
  ASSERT_C_OK(emopiano_encode_params_init(&params, sizeof params));
  params.quadrant = 5;
  EXPECT_C_ERROR(emopiano_tokenizer_encode_bytes(&tokens, &count, h.t, bytes.data(), bytes.size(), &params),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "quadrant 5");
  EXPECT_EQ(tokens, nullptr);
  std::vector<uint8_t> corrupt = bytes;
  corrupt.resize(corrupt.size() / 2);
  EXPECT_EQ(emopiano_tokenizer_encode_bytes(&tokens, &count, h.t, corrupt.data(), corrupt.size(), nullptr),
            EMOPIANO_ERROR_FORMAT);
  EXPECT_C_ERROR(emopiano_tokenizer_encode_bytes(&tokens, &count, h.t, nullptr, 10, nullptr),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "midi_data");
  EXPECT_C_ERROR(emopiano_tokenizer_encode_bytes(&tokens, &count, nullptr, bytes.data(), bytes.size(), nullptr),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "tokenizer");
  EXPECT_C_ERROR(emopiano_tokenizer_encode_bytes(&tokens, nullptr, h.t, bytes.data(), bytes.size(), nullptr),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "out_count");
  EXPECT_C_ERROR(emopiano_tokenizer_encode_file(&tokens, &count, h.t, "/nonexistent/x.mid", nullptr), EMOPIANO_ERROR_IO,
                 "/nonexistent/x.mid");
}

TEST(CapiTokenizer, DecodeRoundTripsThroughBytesAndFiles) {
  TokenizerHandle h;
  const auto tokens = encode_bytes(h.t, small_piece_bytes(), nullptr);
  const auto cpp = emopiano::Tokenizer::create();
  const auto expected = cpp->decode(tokens);

  uint8_t* bytes = nullptr;
  size_t size = 0;
  ASSERT_C_OK(emopiano_tokenizer_decode_to_bytes(&bytes, &size, h.t, tokens.data(), tokens.size()));
  Owned<uint8_t> owned(bytes);
  const auto decoded = emopiano::read_midi_bytes(bytes, size);
  ASSERT_EQ(decoded.notes.size(), expected.notes.size());
  ASSERT_EQ(decoded.notes.size(), emopiano::capi_test::small_piece().notes.size());
  for (size_t i = 0; i < decoded.notes.size(); ++i) {
    EXPECT_EQ(decoded.notes[i].pitch, expected.notes[i].pitch);
    EXPECT_EQ(decoded.notes[i].start_tick * expected.ticks_per_beat,
              expected.notes[i].start_tick * decoded.ticks_per_beat);
    // MIDI stores tempo in whole microseconds per beat.
    EXPECT_NEAR(decoded.notes[i].start_seconds, expected.notes[i].start_seconds, 1e-4);
  }
  // Re-encoding what was decoded gives the same tokens.
  EXPECT_EQ(encode_bytes(h.t, std::vector<uint8_t>(bytes, bytes + size), nullptr), tokens);

  const auto dir = emopiano::test::temp_dir("capi-tok");
  const auto path = (dir / "decoded.mid").string();
  ASSERT_C_OK(emopiano_tokenizer_decode_to_file(h.t, tokens.data(), tokens.size(), path.c_str()));
  EXPECT_EQ(emopiano::capi_test::read_bytes(path), std::vector<uint8_t>(bytes, bytes + size));
}

TEST(CapiTokenizer, DecodeIsTotalAndChecksArguments) {
  TokenizerHandle h;
  // Out-of-range and ill-ordered ids decode to a valid (here empty) piece.
  const std::vector<int32_t> garbage = {-5, 1 << 20, 3, 3, 3, 99999};
  uint8_t* bytes = nullptr;
  size_t size = 0;
  ASSERT_C_OK(emopiano_tokenizer_decode_to_bytes(&bytes, &size, h.t, garbage.data(), garbage.size()));
  EXPECT_C_OK(emopiano_midi_validate(bytes, size));
  emopiano_free(bytes);
  // No tokens at all is an empty piece, not an error.
  ASSERT_C_OK(emopiano_tokenizer_decode_to_bytes(&bytes, &size, h.t, nullptr, 0));
  EXPECT_C_OK(emopiano_midi_validate(bytes, size));
  emopiano_free(bytes);

  EXPECT_C_ERROR(emopiano_tokenizer_decode_to_bytes(&bytes, &size, h.t, nullptr, 3), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "tokens");
  EXPECT_EQ(bytes, nullptr);
  EXPECT_C_ERROR(emopiano_tokenizer_decode_to_bytes(nullptr, &size, h.t, garbage.data(), 1),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "out_bytes");
  EXPECT_C_ERROR(emopiano_tokenizer_decode_to_file(h.t, garbage.data(), 1, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "midi_path");
  EXPECT_C_ERROR(emopiano_tokenizer_decode_to_file(h.t, garbage.data(), 1, "/nonexistent-dir/out.mid"),
                 EMOPIANO_ERROR_IO, "nonexistent-dir");
}

TEST(CapiTokenizer, RealEmopiaClipRoundTrips) {
  EMOPIANO_NEED_EMOPIA();
  const auto dir = emopiano::test::emopia_midis();
  std::filesystem::path clip;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".mid") {
      clip = e.path();
      break;
    }
  }
  ASSERT_FALSE(clip.empty());
  TokenizerHandle h;
  int32_t* tokens = nullptr;
  size_t count = 0;
  ASSERT_C_OK(emopiano_tokenizer_encode_file(&tokens, &count, h.t, clip.c_str(), nullptr));
  Owned<int32_t> owned(tokens);
  const auto cpp = emopiano::Tokenizer::create();
  EXPECT_EQ(std::vector<int32_t>(tokens, tokens + count), cpp->encode(emopiano::read_midi_file(clip)));
  EXPECT_GT(count, 100u);
  uint8_t* bytes = nullptr;
  size_t size = 0;
  ASSERT_C_OK(emopiano_tokenizer_decode_to_bytes(&bytes, &size, h.t, tokens, count));
  Owned<uint8_t> owned_bytes(bytes);
  emopiano_note* notes = nullptr;
  size_t note_count = 0;
  ASSERT_C_OK(emopiano_midi_read_notes_bytes(&notes, &note_count, bytes, size, nullptr));
  emopiano_free(notes);
  EXPECT_GT(note_count, 10u);
}

}  // namespace
