// Options and helpers shared by the VAE commands.
#include "cli/vae_options.hpp"

#include <random>

#include <fmt/core.h>

#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"

namespace emopiano::cli {

void add_vae_options(Args& args) {
  args.option("vae", "FILE", "VAE file (default: the bundled VAE)");
  args.option("temperature", "T", "decoding temperature (0 = greedy)", "0.8");
  args.option("top-p", "P", "nucleus sampling threshold (1 = off)", "0.95");
  args.option("seed", "S", "random seed (default: a fresh one, printed)");
  args.option("beams", "N", "beam search width for greedy decoding (--temperature 0)", "1");
  args.option("threads", "N", "compute threads, 0 = all cores", "1");
  args.flag("quiet", "print nothing but errors");
}

EmotionVae load_vae(const Args& args, bool quiet) {
  const long long threads = args.get_int("threads");
  if (threads < 0 || threads > 1024) throw Error(ErrorCode::invalid_argument, "--threads: must be in 0..1024");
  set_compute_threads(static_cast<int>(threads));
  const std::filesystem::path path =
      args.get("vae").empty() ? bundled_vae_path() : std::filesystem::path(args.get("vae"));
  EmotionVae vae = EmotionVae::load(path);
  if (!quiet)
    fmt::print(stderr, "VAE {} ({:.1f}M parameters, latent {}, {} bars per segment)\n", path.string(),
               static_cast<double>(vae.parameter_count()) / 1e6, vae.config().latent_dim, vae.config().segment_bars);
  return vae;
}

int beams_option(const Args& args) {
  const long long beams = args.get_int("beams");
  if (beams < 1 || beams > 64) throw Error(ErrorCode::invalid_argument, "--beams: must be in 1..64");
  return static_cast<int>(beams);
}

SamplingParams vae_sampling(const Args& args) {
  SamplingParams p;
  p.temperature = static_cast<float>(args.get_double("temperature"));
  p.top_p = static_cast<float>(args.get_double("top-p"));
  p.beams = beams_option(args);
  if (p.beams > 1 && p.temperature != 0.0f)
    throw Error(ErrorCode::invalid_argument, "--beams: beam search is greedy decoding; give --temperature 0");
  if (args.has("seed") && !args.get("seed").empty()) {
    const long long s = args.get_int("seed");
    if (s < 0) throw Error(ErrorCode::invalid_argument, "--seed: must be >= 0");
    p.seed = static_cast<uint64_t>(s);
  } else {
    p.seed = static_cast<uint64_t>(std::random_device{}()) << 32 | std::random_device{}();
  }
  p.validate();
  return p;
}

EmotionMix piece_emotion(const Args& args, const std::string& option, const Score& piece, const std::string& name,
                         bool quiet) {
  if (args.has(option) && !args.get(option).empty()) return EmotionMix::parse(args.get(option));
  EmotionClassifier classifier = [&] {
    try {
      return EmotionClassifier::load(bundled_classifier_path());
    } catch (const Error& e) {
      throw Error(
          ErrorCode::invalid_argument,
          fmt::format("give the emotion of {} with --{} (no classifier to predict it: {})", name, option, e.what()));
    }
  }();
  const EmotionPrediction p = classifier.classify(piece);
  if (!quiet)
    fmt::print(stderr, "{}: predicted {} ({}, p = {:.2f}); --{} overrides\n", name, quadrant_name(p.quadrant),
               quadrant_mood(p.quadrant), p.probabilities[static_cast<size_t>(p.quadrant)], option);
  return EmotionMix::from_quadrant(p.quadrant);
}

}  // namespace emopiano::cli
