// Generating music with a Model: sampling parameters, a request (emotion
// trajectory, optional primer, callbacks), and a Sampler that runs it.
//
//   emopiano::Model model = emopiano::Model::load(emopiano::bundled_model_path());
//   emopiano::Sampler sampler(model);
//   emopiano::GenerationRequest request;
//   request.emotion = emopiano::EmotionTrajectory(emopiano::EmotionMix::parse("sad"));
//   request.params.max_bars = 16;
//   emopiano::GenerationResult piece = sampler.generate(request);
//   emopiano::write_midi_file(piece.score, "sad.mid");
//
// Thread safety: a Sampler is used by one thread at a time; a Model may be
// shared by any number of Samplers on any number of threads (it is read-only
// during generation). Results depend only on the model, the request and the
// seed: not on the thread, the LibTorch thread count, or other Samplers.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "emopiano/emotion.hpp"
#include "emopiano/model.hpp"
#include "emopiano/progress.hpp"
#include "emopiano/score.hpp"

namespace emopiano {

namespace detail {
struct ImplAccess;  // src/core/impl_access.hpp
}  // namespace detail

struct SamplingParams {
  // Softmax temperature; 0 picks the most likely token (greedy).
  float temperature = 1.0f;
  // Keep only the k most likely tokens (0 = off).
  int top_k = 0;
  // Keep the smallest set of tokens whose probability reaches top_p (1 = off).
  float top_p = 0.95f;
  uint64_t seed = 0;
  // Tokens to generate after the prompt (BOS, emotion token, primer).
  int max_tokens = 4096;  // the one default: the CLI and the C ABI take it from here
  // New bars to generate after the prompt (0 = no limit). At the limit a new
  // Bar is forbidden, so the piece ends with EOS.
  int max_bars = 0;
  // Stop at the end-of-sequence token. When false, EOS is forbidden until the
  // bar limit is reached, so the piece runs to max_tokens or max_bars. EOS is
  // never sampled before the piece has a note.
  bool stop_at_eos = true;
  // Sample only tokens the tokenizer's grammar allows, so every piece decodes
  // without an invalid token. When false, the raw model decides (PAD and BOS
  // are still never sampled).
  bool constrain_grammar = true;
  // Classifier-free guidance weight w: each step runs the model twice in one
  // batch, with the emotion and with the null emotion, and samples from
  // uncond + w * (cond - uncond). 1 = the conditional model alone (one row),
  // 0 = unconditional, > 1 = the emotion more strongly heard. Negative: the
  // model's default (for models trained with a null emotion the weight chosen
  // by measurement, docs/evaluation.md; 1 for others).
  float guidance = -1.0f;
  // The guidance weight for the rhythm: the tokens that decide when notes
  // come (bar, position, one more note here or move on). What is played
  // (pitch, velocity, duration, chord, tempo) keeps `guidance` within its
  // token family. Negative: the default, min(guidance, 2), chosen by
  // measurement (docs/evaluation.md: the mode follows a change of emotion
  // better); equal to guidance: plain guidance on every token.
  float rhythm_guidance = -1.0f;
  // Valence guidance v: one more row runs with the emotion's valence mirrored
  // (happy <-> tense, sad <-> calm, the arousal kept), and the pitch and chord
  // logits move away from it, cond + v * (cond - mirrored), before guidance.
  // Guidance alone contrasts with the null emotion, which hears the same
  // music: after a change of emotion it pushes away from the old music more
  // than towards the new valence. It engages from the first bar whose
  // valence is half the axis or more from the opening's, and stays on; an
  // emotion that keeps its valence runs no third row and is written exactly
  // as with 0. 0 = off. Negative: the model's default (3 for models trained
  // with a null emotion, chosen by measurement, docs/evaluation.md; 0 for
  // others).
  float valence_guidance = -1.0f;
  // Density: hold the piece near this many notes per beat, measured with a
  // memory of about a bar. Only the choice of when the next note comes is tilted
  // (a gap, another note in the same chord, a new bar); what is played stays
  // the model's. Guidance makes the fast quadrants denser than real music
  // and a long piece grows denser as it goes (docs/evaluation.md, "Density").
  // 0 = off: the model's own density.
  float density = 0.0f;
  // Density that follows the emotion: notes per beat for Q1..Q4, all > 0
  // (all 0 = off). Each bar's target is the mix of the four by the bar's
  // emotion probabilities, so a trajectory, a mix or a live set_emotion
  // gets the density of its emotion. `emopiano dataset` prints a
  // collection's per quadrant. Set this or `density`, not both.
  std::array<float, kNumQuadrants> quadrant_density{};
  static constexpr float kMaxDensity = 16.0f;
  // The density target for a bar with these emotion probabilities: `density`
  // when set, else the mix of `quadrant_density`; 0 = off.
  float density_for(const std::array<float, kNumQuadrants>& probabilities) const;
  // Beam search for greedy decoding (temperature 0) of the VAE's segments:
  // the `beams` most likely partial segments are kept at each step and the
  // one with the highest mean log-probability per token is written. 1 = plain
  // greedy. The generator's sampler takes only 1 (a piece is sampled).
  int beams = 1;

  void validate() const;  // throws Error(invalid_argument)
};

// Called for each note as soon as its last token is sampled (and, first, for
// every note of the primer), with the index of the piece in a batch.
using NoteCallback = std::function<void(const Note& note, int piece)>;

struct GenerationRequest {
  // The emotion of each bar (bar 0 is the first bar of the piece, primer
  // included). A constant EmotionMix is a trajectory with one keyframe; an
  // empty trajectory means pure Q1. The emotion token after BOS is the
  // dominant quadrant at bar 0.
  EmotionTrajectory emotion;
  // A piece to continue: it is encoded, its EOS dropped, and generation
  // carries on from its end.
  std::optional<Score> primer;
  // The key of the piece, for models with Key tokens (tokenizer use_key).
  // Unset: drawn per piece from the keys the model's training pieces of the
  // opening emotion had (a primer keeps its own key). Where a trajectory's
  // valence changes sign, the piece modulates to the parallel key.
  std::optional<MusicalKey> key;
  SamplingParams params;
  NoteCallback on_note;
  // Called after every generation step; returning false cancels.
  ProgressCallback on_progress;
  // Checked before every token; another thread may cancel it. Cancelling
  // makes generate() throw Error(cancelled).
  CancelToken cancel;
};

enum class StopReason {
  eos,         // the model ended the piece
  max_tokens,  // the token budget ran out (the sequence is cut back to its
               // last complete event and closed with EOS)
  dead_end,    // no token was allowed (only without a bar limit and EOS)
};
const char* stop_reason_name(StopReason reason) noexcept;

struct GenerationResult {
  // The whole sequence: BOS, emotion token, the primer, the generated tokens.
  std::vector<int32_t> tokens;
  int64_t prompt_tokens = 0;     // tokens before the first generated one
  int64_t generated_tokens = 0;  // tokens sampled (before any cut at max_tokens)
  Score score;                   // tokens decoded
  int64_t notes = 0;             // notes in `score`
  int32_t bars = 0;              // bars in the sequence, primer included
  StopReason stop_reason = StopReason::eos;
  uint64_t seed = 0;              // the seed this piece used
  std::optional<MusicalKey> key;  // the opening key (models with Key tokens)
  float guidance = 1.0f;          // the guidance weight used
  float rhythm_guidance = 1.0f;   // the rhythm's guidance weight used
  float valence_guidance = 0.0f;  // the valence guidance weight used (0: off)
  double seconds = 0.0;           // wall time of the generation call
};

class Sampler {
 public:
  // Keeps a reference to the (shared, read-only) model. If the model's
  // network is in training mode, it is switched to evaluation mode here.
  explicit Sampler(const Model& model);
  ~Sampler();
  Sampler(Sampler&&) noexcept;
  Sampler& operator=(Sampler&&) noexcept;
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  const Model& model() const;

  // One piece with request.params.seed.
  GenerationResult generate(const GenerationRequest& request);
  // `count` pieces decoded together in one batch (faster than one by one);
  // piece i uses seed request.params.seed + i. A piece that finishes early
  // leaves the batch.
  std::vector<GenerationResult> generate_batch(const GenerationRequest& request, int count);

  struct Impl;  // src/sample/sampler_impl.hpp

 private:
  friend struct detail::ImplAccess;
  std::unique_ptr<Impl> impl_;
};

// LibTorch intra-op threads (0 = all cores): the one process-wide setting
// of the library, and only ever changed by this call. Generation and, unless
// their config names a count for the run, training use it. Results do not
// depend on it.
void set_compute_threads(int threads);

}  // namespace emopiano
