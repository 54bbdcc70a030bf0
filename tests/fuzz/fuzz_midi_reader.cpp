// libFuzzer target: any bytes given to read_midi_bytes either make a valid
// Score or an emopiano::Error; never a crash, an abort inside libsmf, a leak
// or undefined behaviour. Some accepted inputs are also written back and read
// again, which exercises the writer on odd but valid scores.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"

namespace {

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

void check_score(const emopiano::Score& s) {
  if (s.ticks_per_beat <= 0) broken("ticks_per_beat <= 0");
  for (const auto& n : s.notes) {
    if (n.pitch < 0 || n.pitch > 127) broken("pitch out of range");
    if (n.velocity < 1 || n.velocity > 127) broken("velocity out of range");
    if (n.end_tick <= n.start_tick) broken("note without length");
    if (n.end_seconds < n.start_seconds) broken("note ends before it starts in seconds");
  }
  if (s.tempos.empty() || s.tempos.front().tick != 0) broken("no tempo at tick 0");
  if (s.time_signatures.empty() || s.time_signatures.front().tick != 0) broken("no time signature at tick 0");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  emopiano::MidiReadOptions options;
  options.apply_sustain_pedal = size > 0 && (data[size - 1] & 1);
  options.exclude_drums = size > 0 && (data[size - 1] & 2);
  emopiano::Score score;
  try {
    score = emopiano::read_midi_bytes(data, size, options, "fuzz.mid");
  } catch (const emopiano::Error&) {
    return 0;
  }
  check_score(score);
  // Writing goes through a temporary file and libsmf's own re-check; do it
  // for a sixteenth of the inputs so the fuzzer stays fast.
  if (size > 0 && (data[size - 1] & 0xF0) == 0x50 && score.notes.size() < 2000) {
    try {
      const auto bytes = emopiano::write_midi_bytes(score);
      const auto again = emopiano::read_midi_bytes(bytes.data(), bytes.size(), {}, "rewritten.mid");
      check_score(again);
    } catch (const emopiano::Error& e) {
      std::fprintf(stderr, "a score read from MIDI could not be written and read back: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
