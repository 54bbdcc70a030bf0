// emopiano plot IN.mid OUT.svg: a piano roll to look at.
#include <fmt/core.h>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/plot.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("plot", "IN.mid OUT.svg",
            "Draw a piano roll (bar lines, pitch axis, notes shaded by velocity, sustain pedal) as SVG.");
  args.option("width", "PX", "image width", "1200");
  args.option("height", "PX", "image height", "480");
  args.option("title", "TEXT", "title drawn above the roll (default: the file name)");
  args.flag("no-pedal", "leave out the sustain pedal lane");
  args.positionals(2, 2);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;

  PianoRollOptions o;
  o.width = static_cast<int>(args.get_int("width"));
  o.height = static_cast<int>(args.get_int("height"));
  o.title = args.has("title") ? args.get("title") : std::filesystem::path(args.positional()[0]).filename().string();
  o.show_pedal = !args.has("no-pedal");
  write_piano_roll_svg(read_midi_file(args.positional()[0]), args.positional()[1], o);
  fmt::print("wrote {}\n", args.positional()[1]);
  return 0;
}

CommandRegistrar registrar("plot", "draw a piano roll of a MIDI file as SVG", run);

}  // namespace
}  // namespace emopiano::cli
