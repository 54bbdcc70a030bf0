// Offline rendering with FluidSynth: we drive the synthesiser ourselves,
// rendering the samples between consecutive events, instead of using its MIDI
// player, so timing follows the Score's seconds exactly and no audio driver
// or real-time clock is involved.
#include <algorithm>
#include <cmath>
#include <mutex>

#include <fmt/core.h>

#include "emopiano/audio.hpp"
#include "emopiano/error.hpp"

#ifdef EMOPIANO_HAVE_FLUIDSYNTH
#include <fluidsynth.h>
#endif

namespace emopiano {

bool audio_rendering_available() noexcept {
#ifdef EMOPIANO_HAVE_FLUIDSYNTH
  return true;
#else
  return false;
#endif
}

#ifdef EMOPIANO_HAVE_FLUIDSYNTH
namespace {

// FluidSynth logs to stderr by default; a library embedded in a host must not.
void silence_fluidsynth_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int level : {FLUID_PANIC, FLUID_ERR, FLUID_WARN, FLUID_INFO, FLUID_DBG})
      fluid_set_log_function(level, nullptr, nullptr);
  });
}

struct SynthEvent {
  int64_t frame;
  int order;  // at equal frames: pedal up, note-offs, then pedal down, note-ons
  int kind;   // 0 note-off, 1 note-on, 2 pedal
  int key;
  int value;
};

struct Synth {
  fluid_settings_t* settings = nullptr;
  fluid_synth_t* synth = nullptr;
  ~Synth() {
    if (synth) delete_fluid_synth(synth);
    if (settings) delete_fluid_settings(settings);
  }
};

}  // namespace

AudioBuffer render_audio(const Score& score, const RenderOptions& options) {
  if (options.sample_rate < 8000 || options.sample_rate > 192000)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("sample rate {} Hz is outside 8000..192000", options.sample_rate));
  if (!(options.gain >= 0.0 && options.gain <= 10.0))
    throw Error(ErrorCode::invalid_argument, "gain must be within 0..10");
  if (!(options.tail_seconds >= 0.0 && options.tail_seconds <= 60.0))
    throw Error(ErrorCode::invalid_argument, "tail must be within 0..60 seconds");
  if (options.program < 0 || options.program > 127)
    throw Error(ErrorCode::invalid_argument, "program must be within 0..127");
  std::filesystem::path sf = options.soundfont.empty() ? find_soundfont() : options.soundfont;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(sf, ec))
    throw Error(ErrorCode::not_found, fmt::format("{}: SoundFont not found", sf.string()));

  silence_fluidsynth_log();
  // Ask first: loading a non-SoundFont makes FluidSynth's helper libraries
  // print to stderr before failing.
  if (!fluid_is_soundfont(sf.string().c_str()))
    throw Error(ErrorCode::format, fmt::format("{}: not a SoundFont (.sf2) file", sf.string()));
  Synth s;
  s.settings = new_fluid_settings();
  if (!s.settings) throw Error(ErrorCode::internal, "FluidSynth: cannot create settings");
  fluid_settings_setnum(s.settings, "synth.sample-rate", options.sample_rate);
  fluid_settings_setnum(s.settings, "synth.gain", options.gain);
  fluid_settings_setint(s.settings, "synth.cpu-cores", 1);
  s.synth = new_fluid_synth(s.settings);
  if (!s.synth) throw Error(ErrorCode::internal, "FluidSynth: cannot create the synthesiser");
  if (fluid_synth_sfload(s.synth, sf.string().c_str(), 1) == FLUID_FAILED)
    throw Error(ErrorCode::format, fmt::format("{}: FluidSynth cannot load this SoundFont", sf.string()));
  fluid_synth_program_change(s.synth, 0, options.program);

  const double sr = options.sample_rate;
  auto frame_of = [&](double seconds) { return static_cast<int64_t>(std::llround(std::max(0.0, seconds) * sr)); };
  std::vector<SynthEvent> events;
  events.reserve(score.notes.size() * 2 + score.pedal.size());
  for (const Note& n : score.notes) {
    int key = std::clamp(n.pitch, 0, 127), vel = std::clamp(n.velocity, 1, 127);
    events.push_back({frame_of(n.start_seconds), 3, 1, key, vel});
    events.push_back({frame_of(std::max(n.end_seconds, n.start_seconds)), 1, 0, key, 0});
  }
  for (const PedalEvent& p : score.pedal)
    events.push_back({frame_of(p.seconds), p.down ? 2 : 0, 2, 64, p.down ? 127 : 0});
  std::stable_sort(events.begin(), events.end(), [](const SynthEvent& a, const SynthEvent& b) {
    return a.frame != b.frame ? a.frame < b.frame : a.order < b.order;
  });

  int64_t total = frame_of(score.duration_seconds() + options.tail_seconds);
  AudioBuffer out;
  out.sample_rate = options.sample_rate;
  out.channels = 2;
  out.samples.assign(static_cast<size_t>(total) * 2, 0.0f);
  int64_t done = 0;
  auto render_to = [&](int64_t frame) {
    frame = std::min(frame, total);
    while (done < frame) {
      int len = static_cast<int>(std::min<int64_t>(frame - done, 1 << 16));
      float* buf = out.samples.data() + done * 2;
      if (fluid_synth_write_float(s.synth, len, buf, 0, 2, buf, 1, 2) != FLUID_OK)
        throw Error(ErrorCode::internal, "FluidSynth: rendering failed");
      done += len;
    }
  };
  for (const SynthEvent& e : events) {
    render_to(e.frame);
    if (e.kind == 1)
      fluid_synth_noteon(s.synth, 0, e.key, e.value);
    else if (e.kind == 0)
      fluid_synth_noteoff(s.synth, 0, e.key);
    else
      fluid_synth_cc(s.synth, 0, e.key, e.value);
  }
  render_to(total);
  return out;
}

#else

AudioBuffer render_audio(const Score&, const RenderOptions&) {
  throw Error(ErrorCode::unsupported, "this build of emopiano has no FluidSynth audio rendering");
}

#endif

void render_wav_file(const Score& score, const std::filesystem::path& path, const RenderOptions& options) {
  write_wav_file(render_audio(score, options), path);
}

}  // namespace emopiano
