#include "emopiano/session.hpp"

namespace emopiano {

void append_bar(Score& score, const SessionBar& bar) {
  score.ticks_per_beat = bar.ticks_per_beat;
  // Bars come in order and each bar's events are in order, so appending keeps
  // the score sorted; a tempo that does not change is left out.
  for (const TempoChange& t : bar.tempos) {
    if (!score.tempos.empty() && score.tempos.back().bpm == t.bpm) continue;
    if (score.tempos.empty() && t.tick > 0)
      score.tempos.push_back(TempoChange{0, 0.0, t.bpm});
    else
      score.tempos.push_back(t);
  }
  score.notes.insert(score.notes.end(), bar.notes.begin(), bar.notes.end());
  score.pedal.insert(score.pedal.end(), bar.pedal.begin(), bar.pedal.end());
  if (score.time_signatures.empty()) score.time_signatures.push_back(TimeSignature{});
}

}  // namespace emopiano
