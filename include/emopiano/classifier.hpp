// A symbolic emotion classifier: which EMOPIA quadrant a piece sounds like.
// Two architectures share this interface and file format: a small
// Transformer encoder that reads the piece's tokens (the generator's
// tokenizer, without the emotion token) in windows, pools them, and predicts
// the four quadrant probabilities, averaging several windows for a long
// piece; and logistic regression over features of the piece.
//
//   auto classifier = emopiano::EmotionClassifier::load(emopiano::bundled_classifier_path());
//   emopiano::EmotionPrediction p = classifier.classify(emopiano::read_midi_file("x.mid"));
//   // p.quadrant, p.probabilities, p.arousal = P(Q1)+P(Q2), p.valence = P(Q1)+P(Q4)
//
// Thread safety: like Model, a loaded classifier is read-only and may be
// shared by several threads calling classify(). LibTorch stays behind the pimpl.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "emopiano/dataset.hpp"
#include "emopiano/emotion.hpp"
#include "emopiano/model.hpp"
#include "emopiano/progress.hpp"
#include "emopiano/score.hpp"
#include "emopiano/tokenizer.hpp"
#include "emopiano/trainer.hpp"

namespace emopiano {

namespace detail {
struct ImplAccess;  // src/core/impl_access.hpp
}  // namespace detail

struct ClassifierConfig {
  // "transformer": the encoder over tokens described above.
  // "features": multinomial logistic regression over hand-made features of
  // the decoded piece (music metrics, register, pitch classes above the
  // estimated tonic), the EMOPIA paper's baseline made with our metrics.
  // The remaining fields apply to the transformer only.
  std::string architecture = "transformer";
  int n_layers = 2;
  int d_model = 128;
  int n_heads = 4;
  int d_ff = 512;
  int window = 512;     // tokens per window (the encoder's context)
  int max_windows = 8;  // windows averaged for a long piece, spread evenly over it
  float dropout = 0.1f;

  std::string to_json() const;
  // Throws Error(format) on malformed JSON, Error(invalid_argument) on bad
  // values. Missing keys keep their defaults.
  static ClassifierConfig from_json(std::string_view json);
  void validate() const;  // throws Error(invalid_argument)
  bool operator==(const ClassifierConfig& other) const;
};

struct EmotionPrediction {
  std::array<double, 4> probabilities{};  // Q1..Q4, summing to 1
  Quadrant quadrant = Quadrant::Q1;       // the most probable
  double arousal = 0.0;                   // P(Q1) + P(Q2): high arousal
  double valence = 0.0;                   // P(Q1) + P(Q4): positive valence
  int windows = 0;                        // windows averaged
};

// Probabilities -> prediction (quadrant, arousal, valence). Throws
// Error(invalid_argument) unless they are finite, non-negative and sum to 1 (within 1e-3).
EmotionPrediction prediction_from_probabilities(const std::array<double, 4>& probabilities, int windows = 1);

class EmotionClassifier {
 public:
  // A freshly initialised (untrained) classifier; `seed` makes the weights reproducible.
  static EmotionClassifier create(const ClassifierConfig& config, const TokenizerConfig& tokenizer, uint64_t seed = 0);
  // Reads a classifier file (the model-file container, see docs/evaluation.md).
  // Throws Error(io) when it cannot be read, Error(format) when it is
  // truncated, corrupt or not a classifier, Error(unsupported) when newer.
  static EmotionClassifier load(const std::filesystem::path& path);
  // Writes the file atomically.
  void save(const std::filesystem::path& path, WeightStorage storage = WeightStorage::f32) const;

  // Predicts the quadrant of a piece.
  EmotionPrediction classify(const Score& score) const;
  // Of a token sequence of this classifier's tokenizer; emotion tokens in it
  // are ignored (so a labelled dataset item can be classified as it is).
  EmotionPrediction classify_tokens(const std::vector<int32_t>& tokens) const;

  const ClassifierConfig& config() const;
  const Tokenizer& tokenizer() const;
  std::string metadata_json() const;
  void set_metadata_json(const std::string& json);  // throws Error(invalid_argument)
  int64_t parameter_count() const;

  struct Impl;  // src/model/emotion_classifier.hpp

 private:
  friend struct detail::ImplAccess;
  explicit EmotionClassifier(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The classifier shipped with emopiano (models/emotion-classifier.pt), found
// like bundled_model_path() ($EMOPIANO_CLASSIFIER first). Throws Error(not_found).
std::filesystem::path bundled_classifier_path();

// ---- training ----------------------------------------------------------------

struct ClassifierTrainerConfig {
  int64_t max_steps = 3000;  // for "features": full-batch iterations per weight decay tried
  double max_minutes = 0.0;  // wall-clock budget (0 = none)
  int batch_size = 16;       // windows per step
  double learning_rate = 5e-4;
  double weight_decay =
      0.05;  // AdamW, matrices only ("features": L2 strengths 0.1x, 1x, 10x are tried, the best on validation kept)
  int64_t warmup_steps = 100;  // then cosine decay to learning_rate / 10
  double grad_clip = 1.0;
  int transpose_min = -5;  // random transposition per window, in semitones
  int transpose_max = 6;
  int64_t eval_every = 200;  // steps between validations (the best is kept)
  uint64_t seed = 1234;
  // LibTorch threads while training runs, then the count before is
  // restored; 0 = the process-wide setting (set_compute_threads).
  int threads = 0;
  Bf16Mode bf16 = Bf16Mode::automatic;

  std::string to_json() const;
  void validate() const;  // throws Error(invalid_argument)
};

struct ClassifierValidation {
  int64_t step = 0;
  double train_loss = 0.0;           // mean since the previous validation
  double validation_accuracy = 0.0;  // 4-quadrant accuracy on the validation pieces
  double validation_loss = 0.0;      // mean cross-entropy of the averaged probabilities
  double elapsed_seconds = 0.0;
};

struct ClassifierTrainResult {
  int64_t steps = 0;
  double train_seconds = 0.0;
  int64_t best_step = 0;
  double best_validation_accuracy = 0.0;  // the weights kept are those of best_step
  bool bf16 = false;
  bool stopped_by_time = false;
};

struct ClassifierTrainerHooks {
  ProgressCallback progress;  // stage "train", detail "loss 1.21"
  std::function<void(const ClassifierValidation&)> on_validation;
  CancelToken cancel;  // cancelling throws Error(cancelled)
};

// Trains a copy of `classifier` on the dataset's train split, validating on
// its validation split (or the train split when it has none) and keeping the
// weights with the best validation accuracy, then sets `classifier` to the
// trained copy. Other copies of the handle (which other threads may be
// classifying with) keep the weights they had, and a failed or cancelled run
// leaves `classifier` as it was. The dataset must be tokenized with the
// classifier's tokenizer. Records the run in the metadata.
ClassifierTrainResult train_classifier(EmotionClassifier& classifier, const Dataset& dataset,
                                       const ClassifierTrainerConfig& config, ClassifierTrainerHooks hooks = {});

}  // namespace emopiano
