// Tokenizers across the C ABI: create from a config, encode MIDI files and
// bytes to token arrays, decode token arrays to MIDI files and bytes.
#include "tokenizer.hpp"

#include <optional>
#include <string>
#include <vector>

#include "capi_support.hpp"
#include "emotion.hpp"
#include "midi.hpp"

namespace emopiano::capi {
namespace {

emopiano_encode_params default_encode_params() {
  emopiano_encode_params p{};
  p.struct_size = sizeof(p);
  p.quadrant = 0;
  p.apply_sustain_pedal = 0;
  p.exclude_drums = 1;
  return p;
}

struct EncodeRequest {
  MidiReadOptions midi;
  std::optional<Quadrant> emotion;
};

EncodeRequest to_request(const emopiano_encode_params* params) {
  const auto p = read_params(params, kEncodeParamsV1, default_encode_params(), "encode params");
  EncodeRequest r;
  r.midi.apply_sustain_pedal = flag(p.apply_sustain_pedal, "apply_sustain_pedal");
  r.midi.exclude_drums = flag(p.exclude_drums, "exclude_drums");
  if (p.quadrant != 0) r.emotion = to_quadrant(p.quadrant);
  return r;
}

void return_tokens(const std::vector<int32_t>& tokens, int32_t** out_tokens, size_t* out_count) {
  *out_tokens = copy_array(tokens);
  *out_count = tokens.size();
}

void require_tokens(const int32_t* tokens, size_t count) { require_bytes(tokens, count, "tokens"); }

}  // namespace

const Tokenizer& tokenizer_of(const emopiano_tokenizer* handle) {
  require(handle, "tokenizer");
  return *handle->tokenizer;
}

TokenizerConfig tokenizer_config_from(const char* json) {
  if (!json || !*json) return TokenizerConfig{};
  return TokenizerConfig::from_json(json);
}

}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_tokenizer_create(emopiano_tokenizer** out, const char* config_json) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    auto tokenizer = Tokenizer::create(tokenizer_config_from(config_json));
    *out = new emopiano_tokenizer{std::move(tokenizer)};
  });
}

void emopiano_tokenizer_free(emopiano_tokenizer* tokenizer) { delete tokenizer; }

int emopiano_tokenizer_config_json(char** out_json, const emopiano_tokenizer* tokenizer) {
  return guarded([&] {
    require(out_json, "out_json");
    *out_json = nullptr;
    *out_json = copy_string(tokenizer_of(tokenizer).config().to_json());
  });
}

int emopiano_tokenizer_vocab_size(int32_t* out_size, const emopiano_tokenizer* tokenizer) {
  return guarded([&] {
    require(out_size, "out_size");
    *out_size = tokenizer_of(tokenizer).vocab_size();
  });
}

int emopiano_tokenizer_special_id(int32_t* out_id, const emopiano_tokenizer* tokenizer, int32_t which) {
  return guarded([&] {
    require(out_id, "out_id");
    const Tokenizer& t = tokenizer_of(tokenizer);
    switch (which) {
      case EMOPIANO_TOKEN_PAD: *out_id = t.pad_id(); return;
      case EMOPIANO_TOKEN_BOS: *out_id = t.bos_id(); return;
      case EMOPIANO_TOKEN_EOS: *out_id = t.eos_id(); return;
      case EMOPIANO_TOKEN_EMOTION_Q1:
      case EMOPIANO_TOKEN_EMOTION_Q2:
      case EMOPIANO_TOKEN_EMOTION_Q3:
      case EMOPIANO_TOKEN_EMOTION_Q4:
        *out_id = t.emotion_id(static_cast<Quadrant>(which - EMOPIANO_TOKEN_EMOTION_Q1));
        return;
      default:
        throw Error(ErrorCode::invalid_argument,
                    "special token " + std::to_string(which) + " is not an emopiano_special_token (0..6)");
    }
  });
}

int emopiano_tokenizer_token_to_string(char* buffer, size_t buffer_size, size_t* out_size_needed,
                                       const emopiano_tokenizer* tokenizer, int32_t id) {
  return guarded(
      [&] { write_string_buffer(buffer, buffer_size, out_size_needed, tokenizer_of(tokenizer).token_to_string(id)); });
}

int emopiano_tokenizer_token_from_string(int32_t* out_id, const emopiano_tokenizer* tokenizer, const char* text) {
  return guarded([&] {
    require(out_id, "out_id");
    const Tokenizer& t = tokenizer_of(tokenizer);
    *out_id = t.token_from_string(require_string(text, "text"));
  });
}

int emopiano_encode_params_init(emopiano_encode_params* params, uint32_t struct_size) {
  return guarded([&] { init_params(params, struct_size, kEncodeParamsV1, default_encode_params(), "params"); });
}

int emopiano_tokenizer_encode_file(int32_t** out_tokens, size_t* out_count, const emopiano_tokenizer* tokenizer,
                                   const char* midi_path, const emopiano_encode_params* params) {
  return guarded([&] {
    require(out_tokens, "out_tokens");
    *out_tokens = nullptr;
    require(out_count, "out_count");
    const Tokenizer& t = tokenizer_of(tokenizer);
    const EncodeRequest r = to_request(params);
    return_tokens(t.encode(read_score_file(midi_path, r.midi), r.emotion), out_tokens, out_count);
  });
}

int emopiano_tokenizer_encode_bytes(int32_t** out_tokens, size_t* out_count, const emopiano_tokenizer* tokenizer,
                                    const uint8_t* midi_data, size_t midi_size, const emopiano_encode_params* params) {
  return guarded([&] {
    require(out_tokens, "out_tokens");
    *out_tokens = nullptr;
    require(out_count, "out_count");
    const Tokenizer& t = tokenizer_of(tokenizer);
    const EncodeRequest r = to_request(params);
    return_tokens(t.encode(read_score_bytes(midi_data, midi_size, r.midi), r.emotion), out_tokens, out_count);
  });
}

int emopiano_tokenizer_decode_to_file(const emopiano_tokenizer* tokenizer, const int32_t* tokens, size_t count,
                                      const char* midi_path) {
  return guarded([&] {
    const Tokenizer& t = tokenizer_of(tokenizer);
    require_tokens(tokens, count);
    const std::string path(require_string(midi_path, "midi_path"));
    write_midi_file(t.decode(tokens, count), path);
  });
}

int emopiano_tokenizer_decode_to_bytes(uint8_t** out_bytes, size_t* out_size, const emopiano_tokenizer* tokenizer,
                                       const int32_t* tokens, size_t count) {
  return guarded([&] {
    require(out_bytes, "out_bytes");
    *out_bytes = nullptr;
    require(out_size, "out_size");
    const Tokenizer& t = tokenizer_of(tokenizer);
    require_tokens(tokens, count);
    const std::vector<uint8_t> bytes = write_midi_bytes(t.decode(tokens, count));
    *out_bytes = copy_array(bytes);
    *out_size = bytes.size();
  });
}

}  // extern "C"
