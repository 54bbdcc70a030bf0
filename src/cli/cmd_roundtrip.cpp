// emopiano roundtrip IN.mid OUT.mid [--tokenize]: reads a MIDI file and
// writes it back, optionally through the tokenizer, to hear (or diff) what
// the library keeps of a piece.
#include <fmt/core.h>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/tokenizer.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("roundtrip", "IN.mid OUT.mid",
            "Read a MIDI file and write it again as emopiano writes files (format 1,\n"
            "conductor + piano track). With --tokenize the score goes through the\n"
            "tokenizer (encode, then decode) first, so OUT.mid is what a model sees.");
  args.flag("tokenize", "encode to tokens and decode back before writing");
  args.flag("pedal", "lengthen notes by the sustain pedal when reading");
  args.positionals(2, 2);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;

  const std::string in_path = args.positional()[0];
  const std::string out_path = args.positional()[1];
  MidiReadOptions options;
  options.apply_sustain_pedal = args.has("pedal");
  Score score = read_midi_file(in_path, options);
  const size_t notes_in = score.notes.size();
  std::string via = "read/write";
  if (args.has("tokenize")) {
    auto tokenizer = Tokenizer::create();
    const auto ids = tokenizer->encode(score);
    score = tokenizer->decode(ids);
    via = fmt::format("{} tokens", ids.size());
  }
  write_midi_file(score, out_path);
  fmt::print("{} -> {}: {} notes in, {} notes out ({}); repairs: {}\n", in_path, out_path, notes_in, score.notes.size(),
             via, score.warnings.to_string());
  return 0;
}

CommandRegistrar registrar("roundtrip", "read a MIDI file and write it back (optionally via tokens)", run);

}  // namespace
}  // namespace emopiano::cli
