#include "cli/emotion_report.hpp"

#include <cmath>
#include <utility>

#include <fmt/core.h>

#include "eval/confidence_interval.hpp"

namespace emopiano::cli {

void print_confusion(const EmotionAccuracy& a, const std::string& rows_are) {
  fmt::print("{:<10} {:>5} {:>5} {:>5} {:>5}   {:<6} {}\n", rows_are + " \\ pred", "Q1", "Q2", "Q3", "Q4", "recall",
             "(Wilson 95%)");
  for (int r = 0; r < 4; ++r) {
    const auto& row = a.confusion[r];
    const int64_t n = static_cast<int64_t>(row[0]) + row[1] + row[2] + row[3];
    const eval::Interval ci = eval::wilson_interval(row[r], n);
    fmt::print("{:<10} {:>5} {:>5} {:>5} {:>5}   {:.3f}  ({:.3f}-{:.3f})\n", quadrant_name(static_cast<Quadrant>(r)),
               row[0], row[1], row[2], row[3], a.recall(static_cast<Quadrant>(r)), ci.low, ci.high);
  }
  fmt::print("accuracy over {} pieces: 4Q {:.3f} ({} correct; chance 0.25)  arousal {:.3f}  valence {:.3f}\n", a.total,
             a.accuracy(), a.correct(), a.arousal_accuracy(), a.valence_accuracy());
}

namespace {

// Rows of at most this many pieces get 95% intervals.
constexpr int64_t kSmallSample = 50;

double mean_of(const MetricsSummary& s, const char* key) {
  auto it = s.mean.find(key);
  return it == s.mean.end() ? NAN : it->second;
}

std::string cell(double v, int decimals) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : "-"; }

// The metrics of a row, with their decimals.
constexpr std::pair<const char*, int> kColumns[] = {{"notes_per_second", 2}, {"velocity_mean", 1},
                                                    {"tempo_bpm", 1},        {"pitch_range", 1},
                                                    {"polyphony", 2},        {"pitch_class_entropy", 2}};

void row(const std::string& name, const MetricsSummary& s) {
  std::string cells;
  for (const auto& [key, decimals] : kColumns) cells += fmt::format(" {:>6}", cell(mean_of(s, key), decimals));
  fmt::print("{:<14} {:>6}{} {:>6}\n", name, s.pieces, cells, cell(s.pieces ? s.major_share : NAN, 2));
  // Samples this small need their uncertainty beside them: the half-width of
  // each mean's 95% interval (Student's t) and the major share's Wilson interval.
  if (s.pieces < 2 || s.pieces > kSmallSample) return;
  std::string halves;
  for (const auto& [key, decimals] : kColumns) {
    const auto sd = s.stddev.find(key);
    const double half = sd == s.stddev.end() ? NAN : eval::mean_half_width(sd->second, s.pieces);
    halves += fmt::format(" {:>6}", std::isfinite(half) ? "±" + cell(half, decimals) : "-");
  }
  const auto majors = static_cast<int64_t>(std::lround(s.major_share * static_cast<double>(s.pieces)));
  const eval::Interval ci = eval::wilson_interval(majors, s.pieces);
  fmt::print("{:<14} {:>6}{} {:.2f}-{:.2f}\n", "  95% interval", "", halves, ci.low, ci.high);
}

}  // namespace

void print_metrics_comparison(const std::array<MetricsSummary, 4>& generated,
                              const std::array<MetricsSummary, 4>* reference) {
  fmt::print("{:<14} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}\n", "", "pieces", "notes/s", "vel", "tempo",
             "range", "poly", "pcH", "major");
  for (int q = 0; q < 4; ++q) {
    const std::string name = quadrant_name(static_cast<Quadrant>(q));
    row(name + " generated", generated[q]);
    if (reference) row(name + " EMOPIA", (*reference)[q]);
  }
}

}  // namespace emopiano::cli
