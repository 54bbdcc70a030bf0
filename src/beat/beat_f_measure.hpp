// Scoring tracked beats against annotated ones, as mir_eval does: an
// estimated beat is correct when it lies within a window (70 ms) of a
// reference beat not matched already; F = 2PR / (P + R). Used by the tests
// and by bench/beat_tracking_eval.cpp.
#pragma once

#include <vector>

namespace emopiano::beat {

// Both lists in seconds, increasing. Beats before `skip_seconds` are left out
// of both (mir_eval.beat.evaluate leaves out the first 5 s). 0 when either
// list is empty after that, 1 when both are.
double beat_f_measure(const std::vector<double>& reference, const std::vector<double>& estimated, double window = 0.07,
                      double skip_seconds = 0.0);

}  // namespace emopiano::beat
