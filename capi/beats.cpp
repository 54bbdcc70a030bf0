// Beat tracking and retiming across the C ABI.
#include <string>
#include <vector>

#include "capi_support.hpp"
#include "emopiano/beats.hpp"
#include "emopiano/midi.hpp"
#include "midi.hpp"
#include "struct_sizes_v1.hpp"

using namespace emopiano;
using namespace emopiano::capi;

namespace {

emopiano_beat_params default_beat_params() {
  const BeatTrackingOptions o;
  emopiano_beat_params p{};
  p.struct_size = sizeof(p);
  p.metre = o.metre;
  p.min_bpm = o.min_bpm;
  p.max_bpm = o.max_bpm;
  p.prior_bpm = o.prior_bpm;
  p.prior_octaves = o.prior_octaves;
  p.tightness = o.tightness;
  return p;
}

BeatTrackingOptions to_options(const emopiano_beat_params* params) {
  const auto p = read_params(params, kBeatParamsV1, default_beat_params(), "beat params");
  BeatTrackingOptions o;
  o.metre = p.metre;
  o.min_bpm = p.min_bpm;
  o.max_bpm = p.max_bpm;
  o.prior_bpm = p.prior_bpm;
  o.prior_octaves = p.prior_octaves;
  o.tightness = p.tightness;
  o.validate();
  return o;
}

}  // namespace

extern "C" {

int emopiano_beat_params_init(emopiano_beat_params* params, uint32_t struct_size) {
  return guarded([&] { init_params(params, struct_size, kBeatParamsV1, default_beat_params(), "params"); });
}

int emopiano_beats_file_json(char** out_json, const char* midi_path, const emopiano_beat_params* params) {
  return guarded([&] {
    require(out_json, "out_json");
    *out_json = nullptr;
    const BeatTrackingOptions options = to_options(params);
    *out_json = copy_string(track_beats(read_score_file(midi_path, {}), options).to_json());
  });
}

int emopiano_beats_bytes_json(char** out_json, const uint8_t* data, size_t size, const emopiano_beat_params* params) {
  return guarded([&] {
    require(out_json, "out_json");
    *out_json = nullptr;
    const BeatTrackingOptions options = to_options(params);
    *out_json = copy_string(track_beats(read_score_bytes(data, size, {}), options).to_json());
  });
}

int emopiano_beats_file(double* out_beats, size_t capacity, size_t* out_count, int32_t* out_metre,
                        const char* midi_path, const emopiano_beat_params* params) {
  return guarded([&] {
    require(out_count, "out_count");
    *out_count = 0;
    require_bytes(out_beats, capacity, "out_beats");
    const BeatTrackingOptions options = to_options(params);
    const BeatMap map = track_beats(read_score_file(midi_path, {}), options);
    *out_count = map.beats.size();
    if (out_metre) *out_metre = map.metre;
    if (map.beats.size() > capacity)
      throw Error(ErrorCode::buffer_too_small, "out_beats holds " + std::to_string(capacity) +
                                                   " beats, the piece has " + std::to_string(map.beats.size()));
    std::copy(map.beats.begin(), map.beats.end(), out_beats);
  });
}

int emopiano_retime_file(const char* in_path, const char* out_path, const emopiano_beat_params* params) {
  return guarded([&] {
    const std::string out = std::string(require_string(out_path, "out_path"));
    const BeatTrackingOptions options = to_options(params);
    const Score score = read_score_file(in_path, {});
    write_midi_file(retime(score, track_beats(score, options)), out);
  });
}

int emopiano_retime_bytes(uint8_t** out_bytes, size_t* out_size, const uint8_t* data, size_t size,
                          const emopiano_beat_params* params) {
  return guarded([&] {
    require(out_bytes, "out_bytes");
    *out_bytes = nullptr;
    require(out_size, "out_size");
    *out_size = 0;
    const BeatTrackingOptions options = to_options(params);
    const Score score = read_score_bytes(data, size, {});
    const std::vector<uint8_t> bytes = write_midi_bytes(retime(score, track_beats(score, options)));
    *out_bytes = copy_array(bytes);
    *out_size = bytes.size();
  });
}

int emopiano_midi_is_unaligned(int32_t* out_unaligned, const uint8_t* data, size_t size) {
  return guarded([&] {
    require(out_unaligned, "out_unaligned");
    *out_unaligned = 0;
    *out_unaligned = is_unaligned(read_score_bytes(data, size, {})) ? 1 : 0;
  });
}

}  // extern "C"
