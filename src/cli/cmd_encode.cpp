// emopiano encode IN.mid: the VAE's posterior of a piece's first segment, as JSON.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/process_control.hpp"
#include "cli/vae_options.hpp"
#include "core/atomic_file.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("encode", "IN.mid",
            "Encode the first segment of a piece (the VAE's segment_bars bars) to its\n"
            "posterior N(mean, exp(log_variance)); prints JSON, or writes it with -o. `emopiano\n"
            "decode` reads the file back. With --all every segment of the piece is encoded.");
  args.option("emotion", "E", "emotion of the piece (default: predicted by the classifier)");
  args.option("output", "Z.json", "write the JSON here instead of printing it (-o)");
  args.flag("all", "encode every segment, not only the first");
  add_vae_options(args);
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(false);
  const bool quiet = args.has("quiet");
  const std::string in = args.positional()[0];
  const Score piece = read_midi_file(in);
  EmotionVae vae = load_vae(args, true);
  const EmotionMix emotion = piece_emotion(args, "emotion", piece, in, quiet);
  auto segments = vae.segments(piece, emotion.dominant());
  if (segments.empty()) throw Error(ErrorCode::invalid_argument, fmt::format("{} has no bars to encode", in));
  if (!args.has("all")) segments.resize(1);
  nlohmann::json out = {{"latent_dim", vae.config().latent_dim},
                        {"segment_bars", vae.config().segment_bars},
                        {"emotion", emotion.to_string()},
                        {"source", in},
                        {"segments", nlohmann::json::array()}};
  for (const auto& s : segments) {
    const LatentCode code = vae.encode_tokens(s, emotion);
    double kl = 0;
    for (double k : kl_per_dimension(code)) kl += k;
    out["segments"].push_back({{"mean", code.mean}, {"log_variance", code.log_variance}, {"kl", kl}});
  }
  if (args.has("output") && !args.get("output").empty()) {
    detail::write_file_atomically(args.get("output"), out.dump(1) + "\n");
    if (!quiet) fmt::print("wrote {}: {} segment(s)\n", args.get("output"), segments.size());
  } else {
    fmt::print("{}\n", out.dump());
  }
  return 0;
}

CommandRegistrar registrar("encode", "encode a piece's segment to the VAE's latent space (JSON)", run);

}  // namespace
}  // namespace emopiano::cli
