// Writes fuzzing seeds for fuzz_token_decode: each MIDI file given is read,
// encoded with the default tokenizer, and saved as 16-bit little-endian ids
// (at most `max` tokens) in OUTDIR.
//   fuzz_seed_tokens OUTDIR MAX FILE.mid...
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/tokenizer.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fuzz_seed_tokens OUTDIR MAX FILE.mid...\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const size_t max = std::strtoul(argv[2], nullptr, 10);
  auto tok = emopiano::Tokenizer::create();
  int written = 0;
  for (int i = 3; i < argc; ++i) {
    try {
      auto ids = tok->encode(emopiano::read_midi_file(argv[i]), emopiano::Quadrant(i % 4));
      if (ids.size() > max) ids.resize(max);
      std::ofstream f(out / (std::filesystem::path(argv[i]).stem().string() + ".tok"), std::ios::binary);
      for (int32_t id : ids) {
        const char word[2] = {static_cast<char>(id & 0xFF), static_cast<char>((id >> 8) & 0xFF)};
        f.write(word, 2);
      }
      ++written;
    } catch (const emopiano::Error& e) {
      std::fprintf(stderr, "fuzz_seed_tokens: %s\n", e.what());
    }
  }
  std::printf("%d token seeds\n", written);
  return 0;
}
