// emopiano interpolate A.mid B.mid: a path through the VAE's latent space
// from one piece's first segment to another's.
#include <fmt/core.h>

#include "cli/command.hpp"
#include "cli/process_control.hpp"
#include "cli/vae_options.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("interpolate", "A.mid B.mid",
            "Encode the first segment of A and of B, decode N points on the path between their\n"
            "latents (spherical by default, as MusicVAE; or linear), the emotion moving from A's to\n"
            "B's. Writes OUT-1.mid .. OUT-N.mid (step 1 is A's reconstruction, step N B's), or with\n"
            "--join one piece of N segments. --segments K interpolates the first K segments of each,\n"
            "segment k of A with segment k of B, and each step is a piece of K segments.");
  args.option("steps", "N", "points on the path, ends included", "8");
  args.option("segments", "K", "segments of each piece interpolated, from its start", "1");
  args.option("mode", "spherical|linear", "interpolation", "spherical");
  args.option("emotion-a", "E", "emotion of A (default: predicted by the classifier)");
  args.option("emotion-b", "E", "emotion of B (default: predicted by the classifier)");
  args.option("output", "OUT.mid", "output file name pattern (-o)", "interpolation.mid");
  args.flag("join", "write the steps one after another as one piece");
  add_vae_options(args);
  args.positionals(2, 2);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(false);
  const bool quiet = args.has("quiet");
  const long long steps = args.get_int("steps");
  if (steps < 2 || steps > 1024) throw Error(ErrorCode::invalid_argument, "--steps: must be in 2..1024");
  const std::string mode_text = args.get("mode");
  if (mode_text != "spherical" && mode_text != "slerp" && mode_text != "linear" && mode_text != "lerp")
    throw Error(ErrorCode::invalid_argument, fmt::format("--mode: '{}' is not spherical or linear", mode_text));
  const Interpolation mode =
      mode_text == "linear" || mode_text == "lerp" ? Interpolation::linear : Interpolation::spherical;
  const std::string pa = args.positional()[0], pb = args.positional()[1];
  const Score a = read_midi_file(pa), b = read_midi_file(pb);
  const SamplingParams params = vae_sampling(args);
  EmotionVae vae = load_vae(args, quiet);
  const EmotionMix ea = piece_emotion(args, "emotion-a", a, pa, quiet);
  const EmotionMix eb = piece_emotion(args, "emotion-b", b, pb, quiet);
  const long long segments = args.get_int("segments");
  if (segments < 1 || segments > 4096) throw Error(ErrorCode::invalid_argument, "--segments: must be in 1..4096");
  if (segments > 1) {
    const auto path =
        vae.interpolate_pieces(a, ea, b, eb, static_cast<int>(steps), static_cast<int>(segments), mode, params);
    if (args.has("join")) {
      std::vector<VaeSegment> all;
      for (const auto& step : path) all.insert(all.end(), step.begin(), step.end());
      write_midi_file(vae.join(all), args.get("output"));
      if (!quiet) fmt::print("wrote {}: {} steps, seed {}\n", args.get("output"), path.size(), params.seed);
      return 0;
    }
    for (size_t i = 0; i < path.size(); ++i) {
      const auto out = numbered_path(args.get("output"), static_cast<int>(i), static_cast<int>(path.size()));
      const Score piece = vae.join(path[i]);
      write_midi_file(piece, out);
      if (!quiet)
        fmt::print("wrote {}: step {}/{}, {} segments, {} notes\n", out.string(), i + 1, path.size(), path[i].size(),
                   piece.notes.size());
    }
    return 0;
  }
  auto path = vae.interpolate(a, ea, b, eb, static_cast<int>(steps), mode, params);
  if (args.has("join")) {
    write_midi_file(vae.join(path), args.get("output"));
    if (!quiet) fmt::print("wrote {}: {} steps, seed {}\n", args.get("output"), path.size(), params.seed);
    return 0;
  }
  for (size_t i = 0; i < path.size(); ++i) {
    const auto out = numbered_path(args.get("output"), static_cast<int>(i), static_cast<int>(path.size()));
    write_midi_file(path[i].score, out);
    if (!quiet)
      fmt::print("wrote {}: step {}/{}, {} notes\n", out.string(), i + 1, path.size(), path[i].score.notes.size());
  }
  return 0;
}

CommandRegistrar registrar("interpolate", "morph between two pieces through the VAE's latent space", run);

}  // namespace
}  // namespace emopiano::cli
