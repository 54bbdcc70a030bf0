// libFuzzer target: the C ABI under hostile callers. The input is a script of
// calls into the model-free part of the ABI, each with a params struct whose
// struct_size is arbitrary, pointers that may be NULL, and numbers that may be
// NaN, infinite or huge. Every call must return 0 or one of the documented
// negative statuses with a non-empty message, and never crash, leak or
// overflow (ASan and UBSan watch).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "emopiano.h"

namespace {

[[noreturn]] void broken(const char* what, int detail) {
  std::fprintf(stderr, "invariant broken: %s (%d)\n", what, detail);
  std::abort();
}

// Reads the script: bytes, then zeros once it runs out.
class Script {
 public:
  Script(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return at_ >= size_; }
  uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(byte()) << (8 * i);
    return v;
  }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  // Ordinary values mostly, and the ones that break careless code.
  double number() {
    switch (byte() % 8) {
      case 0: return std::numeric_limits<double>::quiet_NaN();
      case 1: return std::numeric_limits<double>::infinity();
      case 2: return -std::numeric_limits<double>::infinity();
      case 3: return 1e300;
      case 4: return -1e300;
      case 5: return std::numeric_limits<double>::denorm_min();
      default: return static_cast<double>(i32()) / 1000.0;
    }
  }
  size_t length(size_t limit) { return u32() % (limit + 1); }
  // A struct_size: the real one, 0, a little off, or anything.
  uint32_t struct_size(size_t real) {
    switch (byte() % 5) {
      case 0: return static_cast<uint32_t>(real);
      case 1: return 0;
      case 2: return static_cast<uint32_t>(real) - 4;
      case 3: return static_cast<uint32_t>(real) + 4;
      default: return u32();
    }
  }
  std::vector<uint8_t> bytes(size_t limit) {
    std::vector<uint8_t> out(length(limit));
    for (auto& b : out) b = byte();
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

void check(int status) {
  if (status == EMOPIANO_OK) return;
  if (status < EMOPIANO_ERROR_OUT_OF_MEMORY || status > 0) broken("undocumented status", status);
  const char* message = emopiano_last_error();
  if (message == nullptr || message[0] == '\0') broken("failure without a message", status);
  if (emopiano_last_error_code() != status) broken("last error code differs from the status", status);
}

// A params struct inside a larger zeroed block, so that a struct_size larger
// than the struct never reads past our memory (the library must refuse it).
template <class Params>
struct Padded {
  Params params{};
  uint8_t slack[256]{};
};

// A real MIDI file to feed the byte readers when the script asks for one.
std::vector<uint8_t> small_midi() {
  static const uint8_t bytes[] = {'M', 'T',  'h',  'd',  0,    0,   0, 6, 0,    0,    0, 1,
                                  1,   0xE0, 'M',  'T',  'r',  'k', 0, 0, 0,    13,   0, 0x90,
                                  60,  100,  0x81, 0x70, 0x80, 60,  0, 0, 0xFF, 0x2F, 0};
  return std::vector<uint8_t>(bytes, bytes + sizeof bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Script s(data, size);
  emopiano_tokenizer* tokenizer = nullptr;
  check(emopiano_tokenizer_create(&tokenizer, nullptr));
  emopiano_trajectory* trajectory = nullptr;
  check(emopiano_trajectory_new(&trajectory));
  for (int calls = 0; calls < 32 && !s.done(); ++calls) {
    const bool nulls = s.byte() % 4 == 0;  // pass NULL where a pointer goes
    switch (s.byte() % 10) {
      case 0: {
        Padded<emopiano_midi_read_params> p;
        check(emopiano_midi_read_params_init(nulls ? nullptr : &p.params, s.struct_size(sizeof p.params)));
        p.params.struct_size = s.struct_size(sizeof p.params);
        p.params.apply_sustain_pedal = s.i32();
        p.params.exclude_drums = s.i32();
        std::vector<uint8_t> midi = s.byte() % 2 ? small_midi() : s.bytes(512);
        emopiano_note* notes = nullptr;
        size_t count = 0;
        check(emopiano_midi_read_notes_bytes(nulls ? nullptr : &notes, &count, midi.data(), midi.size(),
                                             s.byte() % 3 ? &p.params : nullptr));
        emopiano_free(notes);
        uint8_t* out = nullptr;
        size_t out_size = 0;
        check(emopiano_midi_normalize_bytes(&out, &out_size, midi.empty() ? nullptr : midi.data(),
                                            s.length(midi.size()), &p.params));
        emopiano_free(out);
        break;
      }
      case 1: {
        Padded<emopiano_encode_params> p;
        check(emopiano_encode_params_init(&p.params, s.struct_size(sizeof p.params)));
        p.params.struct_size = s.struct_size(sizeof p.params);
        p.params.quadrant = s.i32();
        p.params.apply_sustain_pedal = s.i32();
        p.params.exclude_drums = s.i32();
        const std::vector<uint8_t> midi = small_midi();
        int32_t* tokens = nullptr;
        size_t count = 0;
        check(emopiano_tokenizer_encode_bytes(&tokens, &count, nulls ? nullptr : tokenizer, midi.data(), midi.size(),
                                              &p.params));
        emopiano_free(tokens);
        break;
      }
      case 2: {
        std::vector<int32_t> ids(s.length(64));
        for (auto& id : ids) id = s.i32() % 512;
        uint8_t* out = nullptr;
        size_t out_size = 0;
        check(emopiano_tokenizer_decode_to_bytes(&out, &out_size, tokenizer,
                                                 ids.empty() || nulls ? nullptr : ids.data(), ids.size()));
        emopiano_free(out);
        break;
      }
      case 3: {
        float weights[4];
        for (float& w : weights) w = static_cast<float>(s.number());
        emopiano_emotion e{};
        check(emopiano_emotion_from_weights(nulls ? nullptr : &e, weights));
        check(
            emopiano_emotion_from_valence_arousal(&e, static_cast<float>(s.number()), static_cast<float>(s.number())));
        check(emopiano_trajectory_add(trajectory, s.number(), &e));
        break;
      }
      case 4: {
        emopiano_emotion e{};
        check(emopiano_trajectory_at(nulls ? nullptr : &e, trajectory, s.number()));
        char buffer[64];
        size_t needed = 0;
        check(emopiano_emotion_to_string(buffer, s.length(sizeof buffer), &needed, &e));
        break;
      }
      case 5: {
        char buffer[64];
        size_t needed = 0;
        check(emopiano_tokenizer_token_to_string(nulls ? nullptr : buffer, s.length(sizeof buffer), &needed, tokenizer,
                                                 s.i32()));
        break;
      }
      case 6: {
        Padded<emopiano_render_params> p;
        check(emopiano_render_params_init(nulls ? nullptr : &p.params, s.struct_size(sizeof p.params)));
        break;
      }
      case 7: {
        std::vector<uint8_t> text = s.bytes(40);
        text.push_back(0);
        emopiano_emotion e{};
        check(emopiano_emotion_parse(&e, nulls ? nullptr : reinterpret_cast<const char*>(text.data())));
        emopiano_trajectory* parsed = nullptr;
        check(emopiano_trajectory_parse(&parsed, reinterpret_cast<const char*>(text.data())));
        emopiano_trajectory_free(parsed);
        break;
      }
      case 8: {
        if (emopiano_status_name(s.i32()) == nullptr) broken("status name is NULL", 0);
        break;
      }
      default: {
        int32_t quadrant = 0;
        check(emopiano_emotion_dominant(nulls ? nullptr : &quadrant, nullptr));
        break;
      }
    }
  }
  emopiano_trajectory_free(trajectory);
  emopiano_tokenizer_free(tokenizer);
  return 0;
}
