// emopiano transform IN.mid --to sad / --more dense / --less syncopated:
// arithmetic in the VAE's latent space with emotion and musical attribute vectors.
#include <sstream>

#include <fmt/core.h>

#include "cli/command.hpp"
#include "cli/process_control.hpp"
#include "cli/vae_options.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/vae_attributes.hpp"

namespace emopiano::cli {
namespace {

// "dense,syncopated" -> the attributes, each with `sign` times its own direction.
std::vector<VaeAttributeDirection> attributes(const std::string& list, int sign) {
  std::vector<VaeAttributeDirection> out;
  std::stringstream in(list);
  for (std::string word; std::getline(in, word, ',');) {
    if (word.empty()) continue;
    VaeAttributeDirection d = parse_vae_attribute(word);
    d.sign *= sign;
    out.push_back(d);
  }
  return out;
}

int run(int argc, char** argv) {
  Args args("transform", "IN.mid",
            "Move a piece in the VAE's latent space: every segment is encoded with the piece's emotion,\n"
            "attribute vectors times --strength are added, and it is decoded again. --to adds the\n"
            "emotion's vector (mean latent of the target quadrant's training segments minus the\n"
            "source's) and decodes in the target emotion; --more / --less add or subtract musical\n"
            "attribute vectors (top quartile of the training segments minus the bottom one).");
  args.option("to", "E", "target emotion (a quadrant or mood word)");
  args.option("from", "E", "emotion of the piece (default: predicted by the classifier)");
  args.option("more", "A[,A]", "attributes to add: dense, sparse, wide, narrow, syncopated, straight, major, minor");
  args.option("less", "A[,A]", "attributes to subtract (the same words)");
  args.option("strength", "K", "multiple of each attribute vector to add", "1.0");
  args.option("output", "OUT.mid", "output file (-o)", "transformed.mid");
  add_vae_options(args);
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(false);
  const bool quiet = args.has("quiet");
  auto changes = attributes(args.get("more"), 1);
  for (const auto& d : attributes(args.get("less"), -1)) changes.push_back(d);
  if (args.get("to").empty() && changes.empty())
    throw Error(ErrorCode::invalid_argument, "give --to (e.g. --to sad), --more or --less (e.g. --more dense)");
  const float strength = static_cast<float>(args.get_double("strength"));
  const std::string in = args.positional()[0];
  const Score piece = read_midi_file(in);
  const SamplingParams params = vae_sampling(args);
  EmotionVae vae = load_vae(args, quiet);
  const Quadrant from = piece_emotion(args, "from", piece, in, quiet).dominant();
  const Quadrant to = args.get("to").empty() ? from : EmotionMix::parse(args.get("to")).dominant();
  std::vector<float> shift(static_cast<size_t>(vae.config().latent_dim), 0.0f);
  if (to != from) {
    const auto v = vae.attribute_vector(from, to);
    for (size_t i = 0; i < shift.size(); ++i) shift[i] += strength * v[i];
  }
  std::string moved;
  for (const auto& d : changes) {
    const auto v = attribute_vector(vae, d.attribute);
    for (size_t i = 0; i < shift.size(); ++i) shift[i] += strength * static_cast<float>(d.sign) * v[i];
    moved += fmt::format(", {} {}", d.sign > 0 ? "more" : "less", vae_attribute_name(d.attribute));
  }
  const Score out = transform_by(vae, piece, from, to, shift, params);
  write_midi_file(out, args.get("output"));
  if (!quiet)
    fmt::print("wrote {}: {} -> {} ({}){}, {} notes, seed {}\n", args.get("output"), quadrant_name(from),
               quadrant_name(to), quadrant_mood(to), moved, out.notes.size(), params.seed);
  return 0;
}

CommandRegistrar registrar("transform", "move a piece to another emotion or attribute (VAE attribute vectors)", run);

}  // namespace
}  // namespace emopiano::cli
