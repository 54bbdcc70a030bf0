// REMI ids -> Score. Decoding runs the grammar: a token the grammar refuses is
// skipped, and an unfinished run it interrupts (a Position with no event, a
// Chord with no note, a Pitch without Velocity or Duration) is dropped with
// it. Both count in warnings.invalid_tokens. So decoding never fails, and a
// sequence the grammar accepts decodes with no warning at all.
#include <algorithm>

#include "tokenizer/remi_grammar.hpp"
#include "tokenizer/remi_tokenizer.hpp"

namespace emopiano::tokenizer {

Score RemiTokenizer::decode(const int32_t* ids, size_t count) const {
  const RemiVocabulary& v = *vocab_;
  RemiGrammar grammar(vocab_);
  Score score;
  score.ticks_per_beat = grammar.ticks_per_beat();
  score.notes.reserve(count / 3);

  auto emit = [&](int32_t id) {
    switch (v.kind(id)) {
      case RemiKind::tempo: score.tempos.push_back({grammar.tick(), 0.0, v.tempo_value(v.index(id))}); break;
      case RemiKind::pedal: {
        bool down = id == v.pedal_on();
        score.pedal.push_back({grammar.tick(), 0.0, down, down ? 127 : 0});
        break;
      }
      case RemiKind::time_signature: {
        const Metre& m = v.metres()[static_cast<size_t>(v.index(id))];
        score.time_signatures.push_back({grammar.bar_start_tick(), m.numerator, m.denominator});
        break;
      }
      case RemiKind::key: {
        const MusicalKey k = key_from_index(v.index(id));
        // The opening key holds from tick 0; a change from its bar's line.
        score.keys.push_back({grammar.bar() == 0 ? 0 : grammar.bar_start_tick(), k.tonic, k.major});
        break;
      }
      case RemiKind::duration: {
        Note n;
        if (grammar.completed_note(&n)) score.notes.push_back(n);
        break;
      }
      default: break;
    }
  };

  RemiGrammar committed = grammar;  // state at the end of the last finished run
  int64_t pending = 0;              // tokens consumed since then
  int64_t invalid = 0;
  auto take = [&](int32_t id) {
    if (!grammar.advance(id)) return false;
    ++pending;
    if (grammar.complete()) {
      emit(id);
      committed = grammar;
      pending = 0;
    }
    return true;
  };

  for (size_t i = 0; i < count; ++i) {
    const int32_t id = ids[i];
    // Padding carries no music; it is ignored wherever it appears.
    if (id == v.pad()) continue;
    // A sequence cut from the middle of a piece has no BOS; supply it.
    if (!grammar.started() && id != v.bos()) {
      grammar.advance(v.bos());
      committed = grammar;
    }
    if (take(id)) continue;
    if (pending > 0) {
      invalid += pending;
      grammar = committed;
      pending = 0;
      if (take(id)) continue;
    }
    ++invalid;
  }
  invalid += pending;
  score.warnings.invalid_tokens = invalid;

  std::stable_sort(score.notes.begin(), score.notes.end(), [](const Note& a, const Note& b) {
    return a.start_tick != b.start_tick ? a.start_tick < b.start_tick : a.pitch < b.pitch;
  });
  if (score.tempos.empty() || score.tempos.front().tick > 0)
    score.tempos.insert(score.tempos.begin(), TempoChange{0, 0.0, 120.0});
  if (score.time_signatures.empty() || score.time_signatures.front().tick > 0)
    score.time_signatures.insert(score.time_signatures.begin(), TimeSignature{0, 4, 4});
  score.update_seconds();
  return score;
}

}  // namespace emopiano::tokenizer
