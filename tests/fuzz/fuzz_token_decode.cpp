// libFuzzer target: any token id sequence decodes to a valid Score (decode is
// total), and the grammar agrees with itself: a token its mask allows is
// accepted by advance(), one it forbids is refused and leaves the state as is.
// Input: little-endian 16-bit words, each mapped to an id in
// [-4, vocab_size + 4) so out-of-range ids are exercised too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "emopiano/error.hpp"
#include "emopiano/tokenizer.hpp"

namespace {

[[noreturn]] void broken(const char* what, long long detail) {
  std::fprintf(stderr, "invariant broken: %s (%lld)\n", what, detail);
  std::abort();
}

const emopiano::Tokenizer& tokenizer() {
  static const std::unique_ptr<emopiano::Tokenizer> t = emopiano::Tokenizer::create();
  return *t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& tok = tokenizer();
  const int32_t vocab = tok.vocab_size();
  std::vector<int32_t> ids;
  ids.reserve(size / 2);
  for (size_t i = 0; i + 1 < size; i += 2) {
    const uint32_t word = data[i] | (uint32_t{data[i + 1]} << 8);
    ids.push_back(static_cast<int32_t>(word % static_cast<uint32_t>(vocab + 8)) - 4);
  }

  const emopiano::Score score = tok.decode(ids);
  for (const auto& n : score.notes) {
    if (n.pitch < 0 || n.pitch > 127) broken("decoded pitch out of range", n.pitch);
    if (n.velocity < 1 || n.velocity > 127) broken("decoded velocity out of range", n.velocity);
    if (n.end_tick < n.start_tick) broken("decoded note ends before it starts", n.start_tick);
  }
  for (int32_t id : ids) (void)tok.token_to_string(id);

  auto grammar = tok.grammar();
  std::vector<uint8_t> mask(static_cast<size_t>(vocab));
  for (int32_t id : ids) {
    if (grammar->finished()) break;
    grammar->allowed(mask.data());
    const bool allowed = id >= 0 && id < vocab && mask[static_cast<size_t>(id)];
    const int32_t bar = grammar->bar(), position = grammar->position();
    const bool accepted = grammar->advance(id);
    if (accepted != allowed) broken(allowed ? "allowed token refused" : "forbidden token accepted", id);
    if (!accepted && (grammar->bar() != bar || grammar->position() != position))
      broken("refused token moved the position", id);
    emopiano::Note note;
    if (accepted && grammar->completed_note(&note) && (note.pitch < 0 || note.pitch > 127))
      broken("grammar completed a note out of range", note.pitch);
  }

  // What decode made must encode again.
  try {
    (void)tok.encode(score);
  } catch (const emopiano::Error& e) {
    std::fprintf(stderr, "decoded score does not encode: %s\n", e.what());
    std::abort();
  }
  return 0;
}
