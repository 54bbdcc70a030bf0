// Printing emotion accuracy and metrics tables for classify and evaluate.
#pragma once

#include <array>
#include <string>

#include "emopiano/evaluation.hpp"
#include "emopiano/metrics.hpp"

namespace emopiano::cli {

// The 4x4 confusion matrix (rows: `rows_are`, columns: predicted) with each
// row's recall, then 4Q / arousal / valence accuracy.
void print_confusion(const EmotionAccuracy& accuracy, const std::string& rows_are);

// One row per quadrant: the generated pieces' metric means beside the real clips'.
void print_metrics_comparison(const std::array<MetricsSummary, 4>& generated,
                              const std::array<MetricsSummary, 4>* reference);

}  // namespace emopiano::cli
