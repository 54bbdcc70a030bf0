#include "cli/capsule_piece.hpp"

#include <optional>

namespace emopiano::cli {

CapsulePiece follow_capsule(GenerationSession& session, const Capsule& capsule, const SmoothingParams& smoothing,
                            int64_t max_bars, const Score* primer) {
  CapsulePiece piece;
  if (primer) {
    // The primer as the model hears it: on its grid, at its resolution, so
    // the bars that follow line up with it.
    const Tokenizer& tokenizer = session.model().tokenizer();
    piece.score = tokenizer.decode(tokenizer.encode(*primer));
  }
  EmotionSmoother smoother(smoothing);
  size_t next_row = 0;
  std::optional<SessionBar> previous;
  const double last = capsule.rows.back().time;
  while (max_bars <= 0 || piece.bars < max_bars) {
    const double t = capsule_time(capsule.clock, previous ? &*previous : nullptr);
    if (previous && t > last) break;
    while (next_row < capsule.rows.size() && capsule.rows[next_row].time <= t) {
      smoother.add(capsule.rows[next_row].time, capsule.rows[next_row].emotion);
      ++next_row;
    }
    if (!smoother.empty()) session.set_emotion(smoother.at(t));
    previous = session.next_bar();
    append_bar(piece.score, *previous);
    ++piece.bars;
  }
  piece.score.normalize();
  piece.score.update_seconds();
  return piece;
}

}  // namespace emopiano::cli
