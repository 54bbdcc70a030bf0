#include "cli/emotion_report.hpp"

#include <cmath>

#include <fmt/core.h>

namespace emopiano::cli {

void print_confusion(const EmotionAccuracy& a, const std::string& rows_are) {
  fmt::print("{:<10} {:>5} {:>5} {:>5} {:>5}   {}\n", rows_are + " \\ pred", "Q1", "Q2", "Q3", "Q4", "recall");
  for (int r = 0; r < 4; ++r) {
    const auto& row = a.confusion[r];
    fmt::print("{:<10} {:>5} {:>5} {:>5} {:>5}   {:.3f}\n", quadrant_name(static_cast<Quadrant>(r)), row[0], row[1],
               row[2], row[3], a.recall(static_cast<Quadrant>(r)));
  }
  fmt::print("accuracy over {} pieces: 4Q {:.3f} ({} correct; chance 0.25)  arousal {:.3f}  valence {:.3f}\n",
             a.total, a.accuracy(), a.correct(), a.arousal_accuracy(), a.valence_accuracy());
}

namespace {

double mean_of(const MetricsSummary& s, const char* key) {
  auto it = s.mean.find(key);
  return it == s.mean.end() ? NAN : it->second;
}

std::string cell(double v, int decimals) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : "-";
}

void row(const std::string& name, const MetricsSummary& s) {
  fmt::print("{:<14} {:>6} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}\n", name, s.pieces,
             cell(mean_of(s, "notes_per_second"), 2), cell(mean_of(s, "velocity_mean"), 1),
             cell(mean_of(s, "tempo_bpm"), 1),
             cell(mean_of(s, "pitch_range"), 1), cell(mean_of(s, "polyphony"), 2),
             cell(mean_of(s, "pitch_class_entropy"), 2), cell(s.pieces ? s.major_share : NAN, 2));
}

}  // namespace

void print_metrics_comparison(const std::array<MetricsSummary, 4>& generated,
                              const std::array<MetricsSummary, 4>* reference) {
  fmt::print("{:<14} {:>6} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}\n", "", "pieces", "notes/s", "vel", "tempo",
             "range", "poly", "pcH", "major");
  for (int q = 0; q < 4; ++q) {
    const std::string name = quadrant_name(static_cast<Quadrant>(q));
    row(name + " generated", generated[q]);
    if (reference) row(name + " EMOPIA", (*reference)[q]);
  }
}

}  // namespace emopiano::cli
