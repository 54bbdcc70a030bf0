// A whole piece that follows an emotion capsule: a live session asked for
// bar after bar, its emotion set before each bar from the capsule at the
// moment the bar starts (generate --capsule).
#pragma once

#include <cstdint>

#include "emopiano/capsule.hpp"
#include "emopiano/score.hpp"
#include "emopiano/session.hpp"

namespace emopiano::cli {

// The moment a bar starts on a capsule's clock.
inline double capsule_time(CapsuleClock clock, const SessionBar* previous) {
  if (!previous) return 0.0;
  return clock == CapsuleClock::bars ? static_cast<double>(previous->index + 1) : previous->end_seconds;
}

struct CapsulePiece {
  Score score;  // the primer (at the model's resolution) and every bar written
  int64_t bars = 0;
};

// Bars until the next would start after the capsule's last row (every row is
// heard), or `max_bars` (> 0) first. `primer`, when set, is what the session
// continues: its decoded tokens open the score.
CapsulePiece follow_capsule(GenerationSession& session, const Capsule& capsule, const SmoothingParams& smoothing,
                            int64_t max_bars, const Score* primer);

}  // namespace emopiano::cli
