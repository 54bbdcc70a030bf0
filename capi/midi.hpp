// Conversions between the C MIDI types and the C++ ones, shared by the
// tokenizer, metrics, audio and sampler entry points.
#pragma once

#include "emopiano.h"
#include "emopiano/midi.hpp"
#include "emopiano/score.hpp"

namespace emopiano::capi {

// NULL = defaults; checks struct_size and the 0/1 flags.
MidiReadOptions to_read_options(const emopiano_midi_read_params* params);

emopiano_note to_c_note(const Note& note);

// Reads a MIDI file or bytes; throws on NULL arguments and bad MIDI.
Score read_score_file(const char* path, const MidiReadOptions& options);
Score read_score_bytes(const uint8_t* data, size_t size, const MidiReadOptions& options);

}  // namespace emopiano::capi
