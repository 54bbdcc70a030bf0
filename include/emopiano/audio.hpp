// Listening: render a Score to audio through FluidSynth with a General MIDI
// piano from a SoundFont (Debian's fluid-soundfont-gm by default).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "emopiano/score.hpp"

namespace emopiano {

struct RenderOptions {
  std::filesystem::path soundfont;  // empty: find_soundfont()
  int sample_rate = 44100;          // 8000..192000
  double gain = 0.6;                // FluidSynth master gain
  double tail_seconds = 1.5;        // rendered after the last note, for the release
  int program = 0;                  // General MIDI program (0 = acoustic grand piano)
};

// $EMOPIANO_SOUNDFONT, then the usual Debian locations of a GM SoundFont.
// Throws Error(not_found) naming what was tried.
std::filesystem::path find_soundfont();

// True when this build has FluidSynth.
bool audio_rendering_available() noexcept;

struct AudioBuffer {
  int sample_rate = 44100;
  int channels = 2;
  std::vector<float> samples;  // interleaved
  double seconds() const noexcept {
    return channels > 0 && sample_rate > 0 ? static_cast<double>(samples.size()) / channels / sample_rate : 0.0;
  }
};

// Plays the score's notes and sustain pedal into a stereo buffer of
// duration_seconds() + tail_seconds. Throws Error(not_found) for a missing
// SoundFont, Error(format) for one FluidSynth cannot load,
// Error(invalid_argument) for out-of-range options, Error(unsupported) when
// built without FluidSynth.
AudioBuffer render_audio(const Score& score, const RenderOptions& options = {});

// 16-bit PCM stereo WAV, written atomically.
void write_wav_file(const AudioBuffer& audio, const std::filesystem::path& path);
void render_wav_file(const Score& score, const std::filesystem::path& path, const RenderOptions& options = {});

}  // namespace emopiano
