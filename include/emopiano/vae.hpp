// The conditional variational autoencoder: a latent space of short segments
// (a few bars) of piano music, conditioned on emotion, for moving through
// music rather than only sampling it.
//
//   auto vae = emopiano::EmotionVae::load(emopiano::bundled_vae_path());
//   auto happy = emopiano::EmotionMix::from_quadrant(emopiano::Quadrant::Q1);
//   emopiano::VaeSegment s = vae.sample(happy, 1.0f, params);       // from the prior
//   auto path = vae.interpolate(a, happy, b, happy, 8, emopiano::Interpolation::spherical, params);
//   emopiano::Score sadder = vae.transform(piece, emopiano::Quadrant::Q1, emopiano::Quadrant::Q3, params);
//
// Model (after MusicVAE and ACTOR): a Transformer encoder reads a segment
// behind two learnt "distribution tokens" of its emotion and gives the mean
// and log-variance of z; z = mean + sigma * eps; a Transformer decoder writes
// the segment token by token, with z and the emotion added to every
// position. Details and figures: docs/vae.md.
//
// Thread safety: like Model, a loaded EmotionVae is read-only and may be
// shared by threads. LibTorch stays behind the pimpl.
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
#include "emopiano/sampler.hpp"
#include "emopiano/score.hpp"
#include "emopiano/tokenizer.hpp"
#include "emopiano/trainer.hpp"

namespace emopiano {

namespace detail {
struct ImplAccess;  // src/core/impl_access.hpp
}  // namespace detail

struct VaeConfig {
  int encoder_layers = 2;
  int decoder_layers = 3;
  int d_model = 256;
  int n_heads = 4;
  int d_ff = 1024;
  int latent_dim = 128;
  int segment_bars = 4;          // bars per segment
  int max_segment_tokens = 512;  // BOS, emotion, the bars, EOS; longer segments lose their last bars
  float dropout = 0.1f;
  // z is also given to the decoder as this many memory positions in front of
  // the segment, which every token attends to (0: z is only added to every
  // position, as in files written before this existed).
  int latent_tokens = 0;
  // z is also added to the input of every decoder block, each through its own
  // linear map (zero at initialisation), not only to the embeddings: every
  // layer reads z directly (false: as in files written before this existed).
  bool latent_every_block = false;
  // The encoder also reads this many learnt summary positions, whose outputs
  // (concatenated) add to the posterior's mean and log-variance through
  // linear maps that start at zero. One distribution token summarises a
  // segment in a single d_model vector; several can keep more of its notes
  // (0: the distribution tokens alone, as in files written before this existed).
  int encoder_summary_tokens = 0;

  std::string to_json() const;
  // Throws Error(format) on malformed JSON or an unknown key,
  // Error(invalid_argument) on bad values. Missing keys keep their defaults.
  static VaeConfig from_json(std::string_view json);
  void validate() const;  // throws Error(invalid_argument)
  bool operator==(const VaeConfig& other) const;
};

// The encoder's posterior q(z | segment, emotion) = N(mean, exp(log_variance)).
struct LatentCode {
  std::vector<float> mean;
  std::vector<float> log_variance;
};

// A decoded segment: its tokens (BOS, emotion, bars, EOS) and the score they decode to.
struct VaeSegment {
  std::vector<int32_t> tokens;
  Score score;
  std::vector<float> z;  // the latent it was decoded from
};

enum class Interpolation { linear, spherical };

// Points from a to b, both included, in `steps` (>= 2) steps: straight
// (linear) or along the great circle with the norm interpolated (spherical,
// as MusicVAE's slerp). Throws Error(invalid_argument) on size mismatch.
std::vector<std::vector<float>> interpolate_latents(const std::vector<float>& a, const std::vector<float>& b, int steps,
                                                    Interpolation mode);

class EmotionVae {
 public:
  // A freshly initialised (untrained) model; `seed` makes the weights reproducible.
  static EmotionVae create(const VaeConfig& config, const TokenizerConfig& tokenizer, uint64_t seed = 0);
  // Reads a VAE file (the model-file container with "kind": "vae"). Throws
  // Error(io) when it cannot be read, Error(format) when truncated, corrupt or
  // not a VAE, Error(unsupported) when written by a newer version.
  static EmotionVae load(const std::filesystem::path& path);
  // A copy of this VAE whose decoder starts from a trained generator of the
  // same width (the bundled model, or one from `emopiano train`): the
  // decoder's blocks (as many as both have), its final norm and output layer,
  // the emotion embedding, and the embeddings the encoder shares (tokens
  // matched by name, positions and bars as far as both reach). The encoder,
  // the latent's projection and tokens the generator lacks (the emotion
  // tokens) keep their initialisation, so training starts from a decoder that
  // already writes music and only has to learn to read z. Throws
  // Error(invalid_argument) when d_model, n_heads or d_ff differ.
  EmotionVae with_decoder_from(const Model& generator) const;
  // A copy whose encoder blocks start from the generator's first blocks
  // (encoder block N from generator block N, as many as both have); the
  // encoder's final norm, its distribution tokens and outputs keep theirs.
  // Combine with with_decoder_from. Throws as with_decoder_from.
  EmotionVae with_encoder_from(const Model& generator) const;
  // A copy that starts from a trained VAE: every parameter of the same name
  // and shape is copied, parts the trained one lacks keep their
  // initialisation (latent_every_block's maps start at zero, so the copy
  // decodes as the trained VAE until it is trained on). Quadrant means and
  // attribute vectors are not copied. Throws Error(invalid_argument) when
  // d_model, n_heads, d_ff, latent_dim or the tokenizer differ.
  EmotionVae with_weights_from(const EmotionVae& trained) const;
  void save(const std::filesystem::path& path, WeightStorage storage = WeightStorage::f32) const;  // atomic

  // A piece cut into consecutive segments of segment_bars bars, each a token
  // sequence BOS, emotion, bars, EOS (empty bars kept; the tempo in force is
  // restated at each segment's start).
  std::vector<std::vector<int32_t>> segments(const Score& piece, Quadrant emotion) const;

  // The posterior of the first segment of `piece` (or of a segment's tokens).
  // Throws Error(invalid_argument) for a piece with no notes or a wrong token.
  LatentCode encode(const Score& piece, const EmotionMix& emotion) const;
  LatentCode encode_tokens(const std::vector<int32_t>& segment, const EmotionMix& emotion) const;

  // Writes segments for latents, all in one batch, each with its emotion and
  // its own random stream (params.seed + i). params.temperature 0 decodes
  // greedily; max_tokens and max_bars are the segment's own.
  std::vector<VaeSegment> decode(const std::vector<std::vector<float>>& z, const std::vector<EmotionMix>& emotion,
                                 const SamplingParams& params) const;
  VaeSegment decode(const std::vector<float>& z, const EmotionMix& emotion, const SamplingParams& params) const;

  // z drawn from the prior N(0, temperature^2 I) with `seed`.
  std::vector<float> sample_latent(float temperature, uint64_t seed) const;
  // sample_latent then decode.
  std::vector<VaeSegment> sample(const EmotionMix& emotion, int count, float temperature,
                                 const SamplingParams& params) const;

  // The first segment of `piece` encoded (its mean) and decoded again.
  VaeSegment reconstruct(const Score& piece, const EmotionMix& emotion, const SamplingParams& params) const;

  // The first segments of a and b encoded, the path between their means
  // decoded, step i with the emotion a..b at i / (steps - 1).
  std::vector<VaeSegment> interpolate(const Score& a, const EmotionMix& emotion_a, const Score& b,
                                      const EmotionMix& emotion_b, int steps, Interpolation mode,
                                      const SamplingParams& params) const;

  // The first `segments` segments of a and b (as many as the shorter piece
  // has, if fewer), segment k of a interpolated with segment k of b as
  // interpolate() does the first ones: step i's segments, decoded in one
  // batch with the emotion a..b at i / (steps - 1); join() makes each step
  // one piece. Segment k decodes with the random stream params.seed + k at
  // every step, so the path varies only with z. Throws
  // Error(invalid_argument) for segments < 1, steps < 2 or a piece with no bars.
  std::vector<std::vector<VaeSegment>> interpolate_pieces(const Score& a, const EmotionMix& emotion_a, const Score& b,
                                                          const EmotionMix& emotion_b, int steps, int segments,
                                                          Interpolation mode, const SamplingParams& params) const;

  // Variations of the first segment: z = mean * similarity + noise * (1 - similarity),
  // noise ~ N(0, I), similarity in [0, 1] (1 = the piece itself, 0 = the prior).
  std::vector<VaeSegment> variations(const Score& piece, const EmotionMix& emotion, float similarity, int count,
                                     const SamplingParams& params) const;

  // Emotion arithmetic. attribute_vector(from, to) is the mean latent of the
  // training segments of `to` minus that of `from` (stored in the model file
  // by the trainer). transform encodes every segment of `piece` with `from`,
  // adds strength * attribute_vector(from, to), decodes with `to` and joins
  // the segments into one piece. Throws Error(unsupported) when the model has
  // no quadrant means.
  bool has_attribute_vectors() const;
  std::vector<float> attribute_vector(Quadrant from, Quadrant to) const;
  Score transform(const Score& piece, Quadrant from, Quadrant to, float strength, const SamplingParams& params) const;

  // Segments one after another as one piece (each segment's bars in turn).
  Score join(const std::vector<VaeSegment>& segments) const;

  const VaeConfig& config() const;
  const Tokenizer& tokenizer() const;
  std::string metadata_json() const;
  void set_metadata_json(const std::string& json);  // throws Error(invalid_argument)
  int64_t parameter_count() const;

  struct Impl;  // src/vae/vae_impl.hpp

 private:
  friend struct detail::ImplAccess;
  explicit EmotionVae(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The VAE shipped with emopiano (models/emopiano-vae.pt), found like
// bundled_model_path() ($EMOPIANO_VAE first). Throws Error(not_found).
std::filesystem::path bundled_vae_path();

// ---- evaluation --------------------------------------------------------------

class EmotionClassifier;

struct VaeEvaluationOptions {
  int max_segments = 256;        // reconstruction: segments of the split, spread over its pieces
  int interpolation_pairs = 16;  // pairs of pieces (of different quadrants) interpolated
  int interpolation_steps = 8;
  int transform_pieces = 8;  // per source quadrant, each moved to the three others
  float transform_strength = 1.0f;
  float temperature = 0.8f;  // sampled decodings (greedy ones use 0)
  int beams = 1;             // greedy decodings with this many beams (SamplingParams::beams)
  uint64_t seed = 1;
  ProgressCallback progress;  // stages "reconstruct", "interpolate", "transform"
  CancelToken cancel;
};

// The teacher-forced accuracy of one kind of token (the vocabulary's name
// before '_': Pitch, Velocity, Duration, Position, Bar, ...).
struct VaeTokenKindAccuracy {
  std::string kind;
  int64_t tokens = 0;  // how many of the evaluated targets are of this kind
  double accuracy = 0.0;
};

// MusicVAE's Table 1 for our segments, the latent's use, interpolation
// smoothness and how often emotion arithmetic reaches its target.
struct VaeEvaluation {
  std::string split;
  int64_t segments = 0;
  double reconstruction = 0.0;           // nats per segment, teacher forced from the posterior mean
  double teacher_forced_accuracy = 0.0;  // next-token accuracy, teacher forced
  // The same by kind of token, the most frequent kind first: which parts of
  // a note the latent carries.
  std::vector<VaeTokenKindAccuracy> accuracy_by_kind;
  double sampled_accuracy = 0.0;  // greedy decoding of the mean, token by token against the original
  double sampled_note_f1 = 0.0;   // notes (bar, position, pitch) of the greedy decoding against the original
  double prior_note_f1 = 0.0;     // the same for a segment decoded from a prior draw: the floor
  // Pitch content: overlap (sum of minima, 1 = identical) of the pitch
  // histograms of a segment decoded with sampling (temperature
  // options.temperature) and the original, from its posterior mean and from
  // a prior draw.
  double sampled_pitch_overlap = 0.0;
  double prior_pitch_overlap = 0.0;
  double kl = 0.0;  // nats per segment
  int active_dimensions = 0;
  std::vector<double> kl_per_dimension;
  // Interpolation between the first segments of two pieces: mean note
  // distance (1 - Jaccard over bar, position, pitch) of each decoded step to
  // step 0, and the share of pairs whose distance to A never falls along the path.
  int interpolation_pairs = 0;
  std::vector<double> distance_to_a;
  double monotonic_fraction = 0.0;
  // Each pair's own distances to step 0, step by step ([pair][step]): what
  // the means above average, kept for their intervals.
  std::vector<std::vector<double>> distance_paths;
  // Emotion arithmetic judged by the classifier (when given): share of
  // transformed pieces predicted as the target; the same with strength 0
  // (only the decoder's emotion changes); and the share of the original
  // pieces already predicted as that target (the baseline).
  int transform_cases = 0;
  double transform_success = 0.0;
  double condition_only_success = 0.0;
  double baseline_success = 0.0;
  std::array<std::array<double, 4>, 4> transform_matrix{};  // [from][to] success with the vector
  double seconds = 0.0;

  std::string to_json() const;
};

// Evaluates on a split of a dataset tokenized with the VAE's tokenizer.
// `classifier` may be null (no transform figures).
VaeEvaluation evaluate_vae(const EmotionVae& vae, const Dataset& dataset, Split split,
                           const EmotionClassifier* classifier, const VaeEvaluationOptions& options = {});

// ---- training ----------------------------------------------------------------

struct VaeTrainerConfig {
  int64_t max_steps = 2000;
  double max_minutes = 0.0;  // wall-clock budget (0 = none)
  int batch_size = 16;       // segments per step
  double learning_rate = 5e-4;
  double weight_decay = 0.01;  // AdamW, on matrices only
  int64_t warmup_steps = 100;  // then cosine decay to learning_rate * min_lr_ratio
  double min_lr_ratio = 0.1;
  double grad_clip = 1.0;
  // Loss = reconstruction + beta * max(KL - free_bits, 0) per segment, with
  // beta = max_beta * (1 - beta_rate^step) (MusicVAE's schedule).
  double max_beta = 0.2;
  double beta_rate = 0.998;
  double free_bits = 48.0;  // nats per segment the KL may use for free
  // Share of the decoder's input tokens (after BOS and the emotion) replaced
  // by the padding id while training (Bowman et al.'s word dropout), so the
  // decoder cannot lean on its own context alone and has to read z.
  double word_dropout = 0.0;
  int transpose_min = -5;  // random transposition per segment, in semitones
  int transpose_max = 6;
  int64_t checkpoint_every = 200;  // steps (0 = only at the end and on cancel)
  int64_t eval_every = 200;        // steps between validations
  int64_t log_every = 10;
  uint64_t seed = 1234;
  // LibTorch threads while training runs, then the count before is
  // restored; 0 = the process-wide setting (set_compute_threads).
  int threads = 0;
  Bf16Mode bf16 = Bf16Mode::automatic;
  std::filesystem::path log_path;        // JSON lines; empty = none
  std::filesystem::path checkpoint_dir;  // empty = no checkpoints
  std::string dataset_name;              // recorded in the metadata

  std::string to_json() const;
  static VaeTrainerConfig from_json(std::string_view json);  // Error(format / invalid_argument)
  void validate() const;                                     // throws Error(invalid_argument)
};

// beta at an optimizer step (0-based).
double vae_beta_at(const VaeTrainerConfig& config, int64_t step);

// KL(N(mean, exp(log_variance)) || N(0, I)) of each dimension, in nats.
std::vector<double> kl_per_dimension(const LatentCode& code);

struct VaeMetrics {
  int64_t step = 0;
  int64_t segments = 0;
  double reconstruction = 0.0;  // cross-entropy in nats per segment (teacher forced)
  double token_loss = 0.0;      // in nats per token
  double accuracy = 0.0;        // teacher-forced next-token accuracy
  double kl = 0.0;              // nats per segment
  double beta = 0.0;
  int active_dimensions = 0;  // dimensions whose posterior mean varies across segments (variance > 0.01)
  std::vector<double> kl_per_dimension;
  double train_loss = 0.0;  // mean training loss since the previous report
  double elapsed_seconds = 0.0;
};

struct VaeTrainerHooks {
  ProgressCallback progress;  // stage "train" (detail "rec 310.2 kl 41.0"), "validate", "latent means"
  std::function<void(const VaeMetrics&)> on_validation;
  CancelToken cancel;  // cancelling saves a checkpoint and throws Error(cancelled)
};

struct VaeTrainResult {
  int64_t steps = 0;
  double train_seconds = 0.0;
  VaeMetrics validation;
  bool bf16 = false;
  bool stopped_by_time = false;
  std::filesystem::path checkpoint;
};

class VaeTrainer {
 public:
  // Trains a copy of `vae`'s weights on the dataset's train split (segments
  // of every piece), validating on its validation split: `vae` and its other
  // copies never change, so other threads may go on using them. The dataset
  // must be tokenized with the VAE's tokenizer (labelled pieces: the label is
  // the emotion).
  VaeTrainer(EmotionVae vae, const Dataset& dataset, const VaeTrainerConfig& config, VaeTrainerHooks hooks = {});
  // Continues from a checkpoint directory written by run().
  static VaeTrainer resume(const std::filesystem::path& checkpoint_dir, const Dataset& dataset,
                           const VaeTrainerConfig& config, VaeTrainerHooks hooks = {});
  ~VaeTrainer();
  VaeTrainer(VaeTrainer&&) noexcept;
  VaeTrainer& operator=(VaeTrainer&&) noexcept;

  // Trains to max_steps or the time budget, validates, stores the quadrant
  // latent means of the training segments (for attribute vectors) and the
  // run in the metadata, and checkpoints.
  VaeTrainResult run();
  VaeMetrics evaluate();   // on the validation split
  EmotionVae vae() const;  // a copy of the weights trained so far
  int64_t step() const;

 private:
  struct Impl;
  explicit VaeTrainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace emopiano
