// Measuring emotion: a confusion matrix of requested (or labelled) quadrants
// against a classifier's predictions, and the evaluation of a generator:
// pieces generated per quadrant, classified, and measured beside real clips.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emopiano/classifier.hpp"
#include "emopiano/emotion.hpp"
#include "emopiano/metrics.hpp"
#include "emopiano/model.hpp"
#include "emopiano/progress.hpp"
#include "emopiano/sampler.hpp"

namespace emopiano {

// High arousal: Q1 (happy) and Q2 (tense). Positive valence: Q1 and Q4 (calm).
constexpr bool high_arousal(Quadrant q) noexcept { return q == Quadrant::Q1 || q == Quadrant::Q2; }
constexpr bool positive_valence(Quadrant q) noexcept { return q == Quadrant::Q1 || q == Quadrant::Q4; }

// Accumulates predictions against the true (or requested) quadrant.
// Arousal is judged right when the predicted P(Q1)+P(Q2) is on the same side
// of 0.5 as the truth, valence likewise with P(Q1)+P(Q4).
struct EmotionAccuracy {
  std::array<std::array<int64_t, 4>, 4> confusion{};  // [true][predicted]
  int64_t total = 0;
  int64_t arousal_correct = 0;
  int64_t valence_correct = 0;

  void add(Quadrant truth, const EmotionPrediction& prediction);
  int64_t correct() const noexcept;  // the diagonal
  double accuracy() const noexcept;  // 4-quadrant; 0 when empty
  double arousal_accuracy() const noexcept;
  double valence_accuracy() const noexcept;
  double recall(Quadrant q) const noexcept;  // row q's diagonal share; 0 for an empty row
  std::string to_json() const;               // {"total", "accuracy", "arousal", "valence", "confusion"}
};

// The quadrant a file's name or folder names: "Q3_abc_1.mid" (EMOPIA's
// prefix) or any file in a folder named Q3; nullopt when neither.
std::optional<Quadrant> quadrant_from_path(const std::filesystem::path& path);

// Labelled MIDI files under `root` (recursively, sorted), with their quadrants.
std::vector<std::pair<std::filesystem::path, Quadrant>> labelled_midi_files(const std::filesystem::path& root);

// Metrics summaries of the labelled MIDI clips under `root` (EMOPIA layout,
// Q1..Q4 folders, or Q1_ file-name prefixes), one per quadrant. Files that
// fail to read are skipped. Throws Error(not_found) when no labelled file is
// found, Error(cancelled) when cancelled. Progress stage "reference".
std::array<MetricsSummary, 4> reference_metrics(const std::filesystem::path& root,
                                                const ProgressCallback& progress = {}, const CancelToken& cancel = {});

struct GeneratorEvaluationOptions {
  int per_quadrant = 25;  // pieces generated for each quadrant
  int bars = 16;          // bars per piece
  int batch_size = 8;     // pieces decoded together
  SamplingParams params;  // seed, temperature, top_p; max_bars is set from `bars`
  // Real clips to compare the metrics with (reference_metrics); empty = none.
  std::filesystem::path reference_data;
  // Stage "generate" (done = pieces generated of 4 * per_quadrant), then "reference".
  ProgressCallback progress;
  CancelToken cancel;
  // Each generated piece with its requested quadrant, index in that quadrant
  // and prediction (for saving the pieces).
  std::function<void(Quadrant, int, const GenerationResult&, const EmotionPrediction&)> on_piece;
};

struct GeneratorEvaluation {
  EmotionAccuracy accuracy;                 // rows = requested quadrant
  std::array<MetricsSummary, 4> generated;  // metrics of the generated pieces per quadrant
  std::array<MetricsSummary, 4> reference;  // of the real clips (when reference_data was given)
  bool has_reference = false;
  double seconds = 0.0;
  std::string to_json() const;
};

// Generates options.per_quadrant pieces for each quadrant with a Sampler,
// classifies them, and measures them. Throws Error(cancelled) when cancelled.
// A classifier with another tokenizer than the model's classifies the
// decoded scores (so one classifier can judge several generators).
GeneratorEvaluation evaluate_generator(const Model& model, const EmotionClassifier& classifier,
                                       const GeneratorEvaluationOptions& options);

// The bars [first, last) of a score laid out in 4/4 bars of its own
// ticks_per_beat (as decoded pieces are), moved to start at tick 0, with the
// tempo and key in force at the cut.
Score score_bars(const Score& score, int first, int last);

// Emotion changes within a piece: pieces whose emotion switches from one
// quadrant to another at a bar, their opening and closing bars judged apart.
struct TrajectoryEvaluationOptions {
  std::vector<std::pair<Quadrant, Quadrant>> pairs = {{Quadrant::Q1, Quadrant::Q3},
                                                      {Quadrant::Q3, Quadrant::Q1},
                                                      {Quadrant::Q2, Quadrant::Q4},
                                                      {Quadrant::Q4, Quadrant::Q2}};
  int seeds = 20;      // pieces per pair
  int bars = 16;       // bars per piece
  int change_bar = 8;  // the first bar (0-based) of the second emotion
  int edge_bars = 6;   // bars judged at each end: [0, edge) and [bars - edge, bars)
  int batch_size = 8;
  // seed, temperature, guidance; max_bars is set from `bars`. A pair's pieces
  // depend on the seed and the pair, not on which other pairs are run.
  SamplingParams params;
  ProgressCallback progress;  // stage "trajectories"
  CancelToken cancel;
  // Called with each whole piece (from, to, its index within the pair), e.g. to keep it for listening.
  std::function<void(Quadrant, Quadrant, int, const GenerationResult&)> on_piece;
};

// What one end of the pieces of a pair sounds like.
struct SegmentSummary {
  EmotionAccuracy accuracy;  // against the emotion requested there
  double notes_per_bar = 0;  // means over the pieces
  double velocity = 0;
  double major_share = 0;  // pieces whose estimated key is major
  double tempo_bpm = 0;
};

struct TrajectoryPairEvaluation {
  Quadrant from = Quadrant::Q1, to = Quadrant::Q1;
  int pieces = 0;
  SegmentSummary first, last;  // first.accuracy against `from`, last against `to`
};

struct TrajectoryEvaluation {
  std::vector<TrajectoryPairEvaluation> pairs;
  double seconds = 0.0;
  std::string to_json() const;
};

// Throws Error(invalid_argument) for bars that do not fit (edge_bars > change_bar
// or > bars - change_bar), Error(cancelled) when cancelled.
TrajectoryEvaluation evaluate_trajectories(const Model& model, const EmotionClassifier& classifier,
                                           const TrajectoryEvaluationOptions& options);

}  // namespace emopiano
