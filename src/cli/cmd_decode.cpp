// emopiano decode Z.json: latents (from `emopiano encode`) back to MIDI.
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

std::vector<float> read_latent(const nlohmann::json& j, const std::string& file) {
  const nlohmann::json* v = j.contains("z") ? &j["z"] : j.contains("mean") ? &j["mean"] : nullptr;
  if (!v || !v->is_array())
    throw Error(ErrorCode::format, fmt::format("{}: a segment needs a \"mean\" or \"z\" array", file));
  std::vector<float> z;
  for (const auto& x : *v) {
    if (!x.is_number()) throw Error(ErrorCode::format, fmt::format("{}: latent values must be numbers", file));
    z.push_back(x.get<float>());
  }
  return z;
}

int run(int argc, char** argv) {
  Args args("decode", "Z.json",
            "Decode latents written by `emopiano encode` (or any JSON with \"segments\": [{\"mean\":\n"
            "[...]}] or {\"z\": [...]}) in an emotion; several segments are joined into one piece.");
  args.option("emotion", "E", "emotion to decode with (default: the file's \"emotion\")");
  args.option("output", "OUT.mid", "output file (-o)", "decoded.mid");
  add_vae_options(args);
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(false);
  const bool quiet = args.has("quiet");
  const std::string file = args.positional()[0];
  auto j = nlohmann::json::parse(detail::read_file_bytes(file), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error(ErrorCode::format, fmt::format("{}: expected a JSON object", file));
  std::vector<std::vector<float>> z;
  if (j.contains("segments") && j["segments"].is_array()) {
    for (const auto& s : j["segments"]) z.push_back(read_latent(s, file));
  } else {
    z.push_back(read_latent(j, file));
  }
  if (z.empty()) throw Error(ErrorCode::format, fmt::format("{}: no latents", file));
  std::string emotion_text = args.get("emotion");
  if (emotion_text.empty()) emotion_text = j.value("emotion", std::string("happy"));
  const EmotionMix emotion = EmotionMix::parse(emotion_text);
  const SamplingParams params = vae_sampling(args);
  EmotionVae vae = load_vae(args, quiet);
  auto segments = vae.decode(z, std::vector<EmotionMix>(z.size(), emotion), params);
  const Score piece = vae.join(segments);
  write_midi_file(piece, args.get("output"));
  if (!quiet)
    fmt::print("wrote {}: {} segment(s), {} notes, seed {}\n", args.get("output"), segments.size(), piece.notes.size(),
               params.seed);
  return 0;
}

CommandRegistrar registrar("decode", "decode VAE latents (JSON) to MIDI", run);

}  // namespace
}  // namespace emopiano::cli
