// emopiano vae-sample: segments drawn from the VAE's prior for an emotion.
#include <fmt/core.h>

#include "cli/command.hpp"
#include "cli/process_control.hpp"
#include "cli/vae_options.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("vae-sample", "",
            "Draw latents from the VAE's prior N(0, T^2 I) and decode them in an emotion (a quadrant,\n"
            "a mood word, four probabilities or \"va:V,A\"). With --num N > 1 the segments go to\n"
            "OUT-1.mid .. OUT-N.mid, or with --join into one piece.");
  args.option("emotion", "E", "emotion to decode with", "happy");
  args.option("latent-temperature", "T", "scale of the prior draw (1 = the prior)", "1.0");
  args.option("num", "N", "number of segments", "1");
  args.option("output", "OUT.mid", "output file (-o)", "sample.mid");
  args.flag("join", "write the segments one after another as one piece");
  add_vae_options(args);
  args.positionals(0, 0);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(false);
  const bool quiet = args.has("quiet");
  const long long num = args.get_int("num");
  if (num < 1 || num > 4096) throw Error(ErrorCode::invalid_argument, "--num: must be in 1..4096");
  const EmotionMix emotion = EmotionMix::parse(args.get("emotion"));
  const SamplingParams params = vae_sampling(args);
  EmotionVae vae = load_vae(args, quiet);
  auto segments =
      vae.sample(emotion, static_cast<int>(num), static_cast<float>(args.get_double("latent-temperature")), params);
  if (args.has("join")) {
    write_midi_file(vae.join(segments), args.get("output"));
    if (!quiet) fmt::print("wrote {}: {} segments, seed {}\n", args.get("output"), segments.size(), params.seed);
    return 0;
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto path = numbered_path(args.get("output"), static_cast<int>(i), static_cast<int>(segments.size()));
    write_midi_file(segments[i].score, path);
    if (!quiet) fmt::print("wrote {}: {} notes, seed {}\n", path.string(), segments[i].score.notes.size(), params.seed);
  }
  return 0;
}

CommandRegistrar registrar("vae-sample", "decode latents drawn from the VAE's prior", run);

}  // namespace
}  // namespace emopiano::cli
