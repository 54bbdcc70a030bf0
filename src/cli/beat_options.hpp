// The beat tracking options shared by `emopiano beats` and `emopiano retime`.
#pragma once

#include "cli/args.hpp"
#include "emopiano/beats.hpp"

namespace emopiano::cli {

void add_beat_options(Args& args);
// Throws Error(invalid_argument) for malformed or out-of-range values.
BeatTrackingOptions beat_options(const Args& args);
// Median of the map's per-beat tempo (0 for an empty map).
double median_bpm(const BeatMap& map);

}  // namespace emopiano::cli
