// Rendering MIDI to WAV through FluidSynth across the C ABI.
#include <cmath>
#include <string>

#include "capi_support.hpp"
#include "emopiano/audio.hpp"
#include "midi.hpp"

namespace emopiano::capi {
namespace {

emopiano_render_params default_render_params() {
  const RenderOptions defaults;
  emopiano_render_params p{};
  p.struct_size = sizeof(p);
  p.sample_rate = defaults.sample_rate;
  p.gain = defaults.gain;
  p.tail_seconds = defaults.tail_seconds;
  p.program = defaults.program;
  p.soundfont = nullptr;
  return p;
}

RenderOptions to_render_options(const emopiano_render_params* params) {
  const auto p = read_params(params, kRenderParamsV1, default_render_params(), "render params");
  // render_audio checks the sample rate; the rest is checked here so that a
  // NaN or a negative tail never reaches the synthesizer.
  if (!std::isfinite(p.gain) || p.gain < 0) throw Error(ErrorCode::invalid_argument, "gain must be finite and >= 0");
  if (!std::isfinite(p.tail_seconds) || p.tail_seconds < 0)
    throw Error(ErrorCode::invalid_argument, "tail_seconds must be finite and >= 0");
  if (p.program < 0 || p.program > 127)
    throw Error(ErrorCode::invalid_argument, "program must be 0..127, not " + std::to_string(p.program));
  RenderOptions options;
  options.sample_rate = p.sample_rate;
  options.gain = p.gain;
  options.tail_seconds = p.tail_seconds;
  options.program = p.program;
  if (p.soundfont) options.soundfont = p.soundfont;
  return options;
}

}  // namespace
}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_render_params_init(emopiano_render_params* params, uint32_t struct_size) {
  return guarded([&] { init_params(params, struct_size, kRenderParamsV1, default_render_params(), "params"); });
}

int32_t emopiano_audio_available(void) { return audio_rendering_available() ? 1 : 0; }

int emopiano_render_wav_file(const char* midi_path, const char* wav_path, const emopiano_render_params* params) {
  return guarded([&] {
    const RenderOptions options = to_render_options(params);
    const std::string out(require_string(wav_path, "wav_path"));
    render_wav_file(read_score_file(midi_path, {}), out, options);
  });
}

int emopiano_render_wav_bytes(const uint8_t* midi_data, size_t midi_size, const char* wav_path,
                              const emopiano_render_params* params) {
  return guarded([&] {
    const RenderOptions options = to_render_options(params);
    const std::string out(require_string(wav_path, "wav_path"));
    render_wav_file(read_score_bytes(midi_data, midi_size, {}), out, options);
  });
}

}  // extern "C"
