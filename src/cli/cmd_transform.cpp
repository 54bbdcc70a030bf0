// emopiano transform IN.mid --to sad: emotion arithmetic in the VAE's latent space.
#include <fmt/core.h>

#include "cli/command.hpp"
#include "cli/vae_options.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("transform", "IN.mid",
            "Move a piece to another emotion: every segment is encoded with the piece's emotion,\n"
            "the attribute vector (mean latent of the target quadrant's training segments minus the\n"
            "source's) times --strength is added, and it is decoded in the target emotion.");
  args.option("to", "E", "target emotion (a quadrant or mood word)");
  args.option("from", "E", "emotion of the piece (default: predicted by the classifier)");
  args.option("strength", "K", "multiple of the attribute vector to add", "1.0");
  args.option("output", "OUT.mid", "output file (-o)", "transformed.mid");
  add_vae_options(args);
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  const bool quiet = args.has("quiet");
  if (args.get("to").empty()) throw Error(ErrorCode::invalid_argument, "--to is required (e.g. --to sad)");
  const Quadrant to = EmotionMix::parse(args.get("to")).dominant();
  const std::string in = args.positional()[0];
  const Score piece = read_midi_file(in);
  const SamplingParams params = vae_sampling(args);
  EmotionVae vae = load_vae(args, quiet);
  const Quadrant from = piece_emotion(args, "from", piece, in, quiet).dominant();
  const Score out = vae.transform(piece, from, to, static_cast<float>(args.get_double("strength")), params);
  write_midi_file(out, args.get("output"));
  if (!quiet)
    fmt::print("wrote {}: {} -> {} ({}), {} notes, seed {}\n", args.get("output"), quadrant_name(from),
               quadrant_name(to), quadrant_mood(to), out.notes.size(), params.seed);
  return 0;
}

CommandRegistrar registrar("transform", "move a piece to another emotion (VAE attribute vectors)", run);

}  // namespace
}  // namespace emopiano::cli
