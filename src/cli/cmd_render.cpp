// emopiano render IN.mid OUT.wav: hear a MIDI file through FluidSynth.
#include <fmt/core.h>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "emopiano/audio.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("render", "IN.mid OUT.wav",
            "Render a MIDI file to a 16-bit stereo WAV through FluidSynth with a General MIDI\n"
            "piano (the SoundFont is found automatically; --soundfont overrides).");
  args.option("soundfont", "FILE.sf2", "SoundFont to play with");
  args.option("sample-rate", "HZ", "sample rate", "44100");
  args.option("gain", "G", "synthesiser gain", "0.6");
  args.option("tail", "SECONDS", "silence rendered after the last note for the release", "1.5");
  args.positionals(2, 2);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;

  RenderOptions options;
  options.soundfont = args.get("soundfont");
  options.sample_rate = static_cast<int>(args.get_int("sample-rate"));
  options.gain = args.get_double("gain");
  options.tail_seconds = args.get_double("tail");
  Score score = read_midi_file(args.positional()[0]);
  AudioBuffer audio = render_audio(score, options);
  write_wav_file(audio, args.positional()[1]);
  fmt::print("wrote {} ({:.1f} s, {} Hz)\n", args.positional()[1], audio.seconds(), audio.sample_rate);
  return 0;
}

CommandRegistrar registrar("render", "render a MIDI file to WAV through FluidSynth", run);

}  // namespace
}  // namespace emopiano::cli
