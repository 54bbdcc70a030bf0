// Generation across the C ABI: samplers made from a shared model, one piece
// or a batch, every emotion input, primers, streaming and cancellation.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "cancel_token.hpp"
#include "capi_support.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/sampler.hpp"
#include "emotion.hpp"
#include "midi.hpp"
#include "model.hpp"

struct emopiano_sampler {
  emopiano::Sampler sampler;
};

struct emopiano_generation {
  emopiano::GenerationResult result;
};

namespace emopiano::capi {
namespace {

emopiano_generate_params default_generate_params() {
  const SamplingParams defaults;
  emopiano_generate_params p{};
  p.struct_size = sizeof(p);
  p.temperature = defaults.temperature;
  p.top_k = defaults.top_k;
  p.top_p = defaults.top_p;
  p.seed = defaults.seed;
  p.max_tokens = defaults.max_tokens;
  p.max_bars = defaults.max_bars;
  p.stop_at_eos = defaults.stop_at_eos ? 1 : 0;
  p.constrain_grammar = defaults.constrain_grammar ? 1 : 0;
  p.guidance = defaults.guidance;
  p.rhythm_guidance = defaults.rhythm_guidance;
  p.valence_guidance = defaults.valence_guidance;
  p.density = defaults.density;
  return p;
}

EmotionTrajectory emotion_of(const emopiano_generate_params& p) {
  const int set = (p.quadrant != 0) + (p.emotion != nullptr) + (p.trajectory != nullptr);
  if (set > 1)
    throw Error(ErrorCode::invalid_argument,
                "set at most one of quadrant, emotion and trajectory in the generate params");
  if (p.trajectory) {
    const EmotionTrajectory& t = trajectory_of(p.trajectory);
    if (t.empty()) throw Error(ErrorCode::invalid_argument, "the trajectory has no keyframes");
    return t;
  }
  if (p.emotion) return EmotionTrajectory(to_mix(p.emotion, "emotion"));
  if (p.quadrant != 0) return EmotionTrajectory(EmotionMix::from_quadrant(to_quadrant(p.quadrant)));
  return EmotionTrajectory();  // pure Q1
}

GenerationRequest to_request(const emopiano_generate_params* params) {
  const auto p = read_params(params, kGenerateParamsV1, default_generate_params(), "generate params");
  GenerationRequest r;
  r.params.temperature = p.temperature;
  r.params.top_k = p.top_k;
  r.params.top_p = p.top_p;
  r.params.seed = p.seed;
  r.params.max_tokens = p.max_tokens;
  r.params.max_bars = p.max_bars;
  r.params.stop_at_eos = flag(p.stop_at_eos, "stop_at_eos");
  r.params.constrain_grammar = flag(p.constrain_grammar, "constrain_grammar");
  r.params.guidance = p.guidance;
  r.params.rhythm_guidance = p.rhythm_guidance;
  r.params.valence_guidance = p.valence_guidance;
  r.params.density = p.density;
  std::copy(std::begin(p.quadrant_density), std::end(p.quadrant_density), r.params.quadrant_density.begin());
  if (p.key) {
    r.key = MusicalKey::parse(p.key);
    if (!r.key)
      throw Error(ErrorCode::invalid_argument,
                  std::string("key '") + p.key + "' is not a key (e.g. \"A minor\", \"Eb major\", \"F#m\")");
  }
  r.params.validate();
  r.emotion = emotion_of(p);

  if (p.primer_path && p.primer_data)
    throw Error(ErrorCode::invalid_argument, "set primer_path or primer_data, not both");
  if (p.primer_path) r.primer = read_score_file(p.primer_path, {});
  if (p.primer_data) r.primer = read_score_bytes(p.primer_data, p.primer_size, {});
  if (!p.primer_data && p.primer_size != 0)
    throw Error(ErrorCode::invalid_argument, "primer_data is NULL but primer_size is not 0");

  if (p.on_note) {
    auto fn = p.on_note;
    void* user_data = p.note_user_data;
    r.on_note = [fn, user_data](const Note& note, int piece) {
      const emopiano_note c = to_c_note(note);
      fn(&c, piece, user_data);
    };
  }
  r.on_progress = progress_adapter(p.progress, p.progress_user_data);
  if (p.cancel) r.cancel = p.cancel->token;
  return r;
}

emopiano_sampler& sampler_of(emopiano_sampler* handle) {
  require(handle, "sampler");
  return *handle;
}

const GenerationResult& result_of(const emopiano_generation* piece) {
  require(piece, "piece");
  return piece->result;
}

}  // namespace
}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_generate_params_init(emopiano_generate_params* params, uint32_t struct_size) {
  return guarded([&] { init_params(params, struct_size, kGenerateParamsV1, default_generate_params(), "params"); });
}

int emopiano_sampler_create(emopiano_sampler** out, const emopiano_model* model) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    Sampler sampler(model_of(model));
    *out = new emopiano_sampler{std::move(sampler)};
  });
}

void emopiano_sampler_free(emopiano_sampler* sampler) { delete sampler; }

int emopiano_sampler_generate(emopiano_generation** out, emopiano_sampler* sampler,
                              const emopiano_generate_params* params) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    emopiano_sampler& s = sampler_of(sampler);
    GenerationResult result = s.sampler.generate(to_request(params));
    *out = new emopiano_generation{std::move(result)};
  });
}

int emopiano_sampler_generate_batch(emopiano_generation** out_pieces, int32_t count, emopiano_sampler* sampler,
                                    const emopiano_generate_params* params) {
  return guarded([&] {
    require(out_pieces, "out_pieces");
    if (count < 1)
      throw Error(ErrorCode::invalid_argument, "batch count must be at least 1, not " + std::to_string(count));
    for (int32_t i = 0; i < count; ++i) out_pieces[i] = nullptr;
    emopiano_sampler& s = sampler_of(sampler);
    std::vector<GenerationResult> results = s.sampler.generate_batch(to_request(params), count);
    if (results.size() != static_cast<size_t>(count))
      throw Error(ErrorCode::internal, "the batch returned " + std::to_string(results.size()) + " pieces instead of " +
                                           std::to_string(count));
    // Allocate every handle before handing any out, so a failure leaks nothing.
    std::vector<std::unique_ptr<emopiano_generation>> pieces;
    pieces.reserve(results.size());
    for (auto& r : results) pieces.push_back(std::make_unique<emopiano_generation>(emopiano_generation{std::move(r)}));
    for (int32_t i = 0; i < count; ++i) out_pieces[i] = pieces[i].release();
  });
}

int emopiano_set_compute_threads(int32_t threads) {
  return guarded([&] {
    if (threads < 0)
      throw Error(ErrorCode::invalid_argument, "threads must be >= 0 (0 = all cores), not " + std::to_string(threads));
    set_compute_threads(threads);
  });
}

int emopiano_generation_info_get(emopiano_generation_info* out, const emopiano_generation* piece) {
  return guarded([&] {
    require(out, "out");
    const GenerationResult& r = result_of(piece);
    emopiano_generation_info info{};
    switch (r.stop_reason) {
      case StopReason::eos: info.stop_reason = EMOPIANO_STOP_EOS; break;
      case StopReason::max_tokens: info.stop_reason = EMOPIANO_STOP_MAX_TOKENS; break;
      case StopReason::dead_end: info.stop_reason = EMOPIANO_STOP_DEAD_END; break;
    }
    info.prompt_tokens = r.prompt_tokens;
    info.generated_tokens = r.generated_tokens;
    info.notes = r.notes;
    info.bars = r.bars;
    info.seed = r.seed;
    info.seconds = r.seconds;
    info.duration_seconds = r.score.duration_seconds();
    fill_out_struct(out, info, kInfoV1, "out");
  });
}

int emopiano_generation_tokens(const int32_t** out_tokens, size_t* out_count, const emopiano_generation* piece) {
  return guarded([&] {
    require(out_tokens, "out_tokens");
    require(out_count, "out_count");
    const GenerationResult& r = result_of(piece);
    *out_tokens = r.tokens.data();
    *out_count = r.tokens.size();
  });
}

int emopiano_generation_notes(emopiano_note** out_notes, size_t* out_count, const emopiano_generation* piece) {
  return guarded([&] {
    require(out_notes, "out_notes");
    *out_notes = nullptr;
    require(out_count, "out_count");
    std::vector<emopiano_note> notes;
    for (const Note& n : result_of(piece).score.notes) notes.push_back(to_c_note(n));
    *out_notes = copy_array(notes);
    *out_count = notes.size();
  });
}

int emopiano_generation_midi_bytes(uint8_t** out_bytes, size_t* out_size, const emopiano_generation* piece) {
  return guarded([&] {
    require(out_bytes, "out_bytes");
    *out_bytes = nullptr;
    require(out_size, "out_size");
    const std::vector<uint8_t> bytes = write_midi_bytes(result_of(piece).score);
    *out_bytes = copy_array(bytes);
    *out_size = bytes.size();
  });
}

int emopiano_generation_write_midi(const emopiano_generation* piece, const char* path) {
  return guarded([&] {
    const GenerationResult& r = result_of(piece);
    write_midi_file(r.score, std::string(require_string(path, "path")));
  });
}

void emopiano_generation_free(emopiano_generation* piece) { delete piece; }

}  // extern "C"
