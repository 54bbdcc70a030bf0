// Music metrics of a MIDI file or bytes, as the JSON object MusicMetrics writes.
#include "emopiano/metrics.hpp"
#include "capi_support.hpp"
#include "midi.hpp"

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_metrics_file_json(char** out_json, const char* midi_path, const emopiano_midi_read_params* params) {
  return guarded([&] {
    require(out_json, "out_json");
    *out_json = nullptr;
    const Score score = read_score_file(midi_path, to_read_options(params));
    *out_json = copy_string(compute_metrics(score).to_json());
  });
}

int emopiano_metrics_bytes_json(char** out_json, const uint8_t* midi_data, size_t midi_size,
                                const emopiano_midi_read_params* params) {
  return guarded([&] {
    require(out_json, "out_json");
    *out_json = nullptr;
    const Score score = read_score_bytes(midi_data, midi_size, to_read_options(params));
    *out_json = copy_string(compute_metrics(score).to_json());
  });
}

}  // extern "C"
