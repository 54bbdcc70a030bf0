// emopiano variations IN.mid: new segments near a piece's in the latent space.
#include <fmt/core.h>

#include "cli/command.hpp"
#include "cli/process_control.hpp"
#include "cli/vae_options.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("variations", "IN.mid",
            "Variations of a piece's first segment: z = mean * S + noise * (1 - S), noise ~ N(0, I);\n"
            "S = 1 is the piece itself, 0 a fresh draw from the prior. Writes OUT-1.mid .. OUT-N.mid.");
  args.option("similarity", "S", "how close to the piece, 0..1", "0.8");
  args.option("num", "N", "number of variations", "4");
  args.option("emotion", "E", "emotion of the piece (default: predicted by the classifier)");
  args.option("output", "OUT.mid", "output file name pattern (-o)", "variation.mid");
  add_vae_options(args);
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(false);
  const bool quiet = args.has("quiet");
  const long long num = args.get_int("num");
  if (num < 1 || num > 4096) throw Error(ErrorCode::invalid_argument, "--num: must be in 1..4096");
  const std::string in = args.positional()[0];
  const Score piece = read_midi_file(in);
  const SamplingParams params = vae_sampling(args);
  EmotionVae vae = load_vae(args, quiet);
  const EmotionMix emotion = piece_emotion(args, "emotion", piece, in, quiet);
  auto out =
      vae.variations(piece, emotion, static_cast<float>(args.get_double("similarity")), static_cast<int>(num), params);
  for (size_t i = 0; i < out.size(); ++i) {
    const auto path = numbered_path(args.get("output"), static_cast<int>(i), static_cast<int>(out.size()));
    write_midi_file(out[i].score, path);
    if (!quiet) fmt::print("wrote {}: {} notes\n", path.string(), out[i].score.notes.size());
  }
  return 0;
}

CommandRegistrar registrar("variations", "variations of a piece at a chosen similarity (VAE)", run);

}  // namespace
}  // namespace emopiano::cli
