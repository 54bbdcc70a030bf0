// Standard MIDI Files across the C ABI: validation, note lists, normalising.
#include "midi.hpp"

#include <vector>

#include "capi_support.hpp"

namespace emopiano::capi {
namespace {

emopiano_midi_read_params default_read_params() {
  emopiano_midi_read_params p{};
  p.struct_size = sizeof(p);
  p.apply_sustain_pedal = 0;
  p.exclude_drums = 1;
  return p;
}

void return_notes(const Score& score, emopiano_note** out_notes, size_t* out_count) {
  std::vector<emopiano_note> notes;
  notes.reserve(score.notes.size());
  for (const Note& n : score.notes) notes.push_back(to_c_note(n));
  *out_notes = copy_array(notes);
  *out_count = notes.size();
}

}  // namespace

MidiReadOptions to_read_options(const emopiano_midi_read_params* params) {
  const auto p = read_params(params, kReadParamsV1, default_read_params(), "midi read params");
  MidiReadOptions options;
  options.apply_sustain_pedal = flag(p.apply_sustain_pedal, "apply_sustain_pedal");
  options.exclude_drums = flag(p.exclude_drums, "exclude_drums");
  return options;
}

emopiano_note to_c_note(const Note& note) {
  emopiano_note out{};
  out.pitch = note.pitch;
  out.velocity = note.velocity;
  out.channel = note.channel;
  out.reserved = 0;
  out.start_tick = note.start_tick;
  out.end_tick = note.end_tick;
  out.start_seconds = note.start_seconds;
  out.end_seconds = note.end_seconds;
  return out;
}

Score read_score_file(const char* path, const MidiReadOptions& options) {
  return read_midi_file(std::string(require_string(path, "midi_path")), options);
}

Score read_score_bytes(const uint8_t* data, size_t size, const MidiReadOptions& options) {
  require(data, "midi_data");
  return read_midi_bytes(data, size, options);
}

}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_midi_read_params_init(emopiano_midi_read_params* params, uint32_t struct_size) {
  return guarded([&] { init_params(params, struct_size, kReadParamsV1, default_read_params(), "params"); });
}

int emopiano_midi_validate(const uint8_t* data, size_t size) {
  return guarded([&] {
    require(data, "data");
    validate_smf(data, size);
  });
}

int emopiano_midi_read_notes_file(emopiano_note** out_notes, size_t* out_count, const char* path,
                                  const emopiano_midi_read_params* params) {
  return guarded([&] {
    require(out_notes, "out_notes");
    *out_notes = nullptr;
    require(out_count, "out_count");
    return_notes(read_score_file(path, to_read_options(params)), out_notes, out_count);
  });
}

int emopiano_midi_read_notes_bytes(emopiano_note** out_notes, size_t* out_count, const uint8_t* data, size_t size,
                                   const emopiano_midi_read_params* params) {
  return guarded([&] {
    require(out_notes, "out_notes");
    *out_notes = nullptr;
    require(out_count, "out_count");
    return_notes(read_score_bytes(data, size, to_read_options(params)), out_notes, out_count);
  });
}

int emopiano_midi_normalize_bytes(uint8_t** out_bytes, size_t* out_size, const uint8_t* data, size_t size,
                                  const emopiano_midi_read_params* params) {
  return guarded([&] {
    require(out_bytes, "out_bytes");
    *out_bytes = nullptr;
    require(out_size, "out_size");
    const std::vector<uint8_t> bytes = write_midi_bytes(read_score_bytes(data, size, to_read_options(params)));
    *out_bytes = copy_array(bytes);
    *out_size = bytes.size();
  });
}

}  // extern "C"
