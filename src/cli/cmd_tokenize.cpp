// emopiano tokenize FILE.mid [--emotion Q1] [--config tok.json] [--ids]:
// prints the token sequence a model would see for a MIDI file.
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "emopiano/emotion.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/tokenizer.hpp"

namespace emopiano::cli {
namespace {

TokenizerConfig load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, fmt::format("cannot read tokenizer config {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return TokenizerConfig::from_json(text.str());
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{}: {}", path, e.what()));
  }
}

int run(int argc, char** argv) {
  Args args("tokenize", "FILE.mid",
            "Print the tokens of a MIDI file, one per line (REMI by default; the\n"
            "vocabulary comes from --config, a TokenizerConfig JSON file). The sustain\n"
            "pedal is kept as Pedal tokens, as in training. A summary of what encoding\n"
            "merged or dropped goes to stderr.");
  args.option("emotion", "Q", "emotion token after BOS: Q1..Q4 or happy/tense/sad/calm");
  args.option("config", "FILE", "tokenizer config JSON (default: the built-in REMI config)");
  args.flag("ids", "print integer ids on one line instead of token names");
  args.flag("line", "print token names on one line, separated by spaces");
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;

  std::optional<Quadrant> emotion;
  if (args.has("emotion")) {
    emotion = parse_quadrant(args.get("emotion"));
    if (!emotion)
      throw Error(
          ErrorCode::invalid_argument,
          fmt::format("--emotion '{}' is not a quadrant (Q1..Q4, happy, tense, sad, calm)", args.get("emotion")));
  }
  TokenizerConfig config = args.has("config") ? load_config(args.get("config")) : TokenizerConfig{};
  auto tokenizer = Tokenizer::create(config);

  const std::string path = args.positional()[0];
  Score score = read_midi_file(path);
  EncodeStats stats;
  const auto ids = tokenizer->encode(score, emotion, &stats);

  std::string out;
  const bool one_line = args.has("ids") || args.has("line");
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += one_line ? ' ' : '\n';
    out += args.has("ids") ? std::to_string(ids[i]) : tokenizer->token_to_string(ids[i]);
  }
  out += '\n';
  fmt::print("{}", out);
  fmt::print(stderr,
             "{}: {} tokens, {} of {} notes encoded ({} merged on a shared grid cell, {} out of range, "
             "{} durations clipped)\n",
             path, ids.size(), stats.notes_encoded, stats.notes_in, stats.notes_merged, stats.pitch_out_of_range,
             stats.durations_clipped);
  return 0;
}

CommandRegistrar registrar("tokenize", "print the tokens of a MIDI file", run);

}  // namespace
}  // namespace emopiano::cli
