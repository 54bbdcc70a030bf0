// The entry points that need the model (LibTorch), in builds without it:
// the same symbols as a full build, so a program or binding linked against
// libemopiano.so.1 loads with either, and every call fails with
// EMOPIANO_ERROR_UNSUPPORTED, as audio rendering does without FluidSynth.
// Out handles are set to NULL as on any failure. A new entry point in
// model.cpp, sampler.cpp, session.cpp, trainer.cpp, classifier.cpp or vae.cpp needs its
// line here too (the symbol test of the build without LibTorch says so).
#include "emopiano.h"

#if !defined(EMOPIANO_WITH_TORCH)

#include <string>

#include "capi_support.hpp"

namespace {

int without_model(const char* function) {
  return emopiano::capi::set_error(EMOPIANO_ERROR_UNSUPPORTED,
                                   std::string(function) +
                                       ": this emopiano was built without LibTorch, so it has no model, "
                                       "sampler, trainer, classifier or VAE (emopiano_has_model_support() is 0)");
}

}  // namespace

extern "C" {

int emopiano_model_load(emopiano_model** out, const char*) {
  if (out) *out = nullptr;
  return without_model("emopiano_model_load");
}

int emopiano_model_load_with_options(emopiano_model** out, const char*, int32_t, int32_t) {
  if (out) *out = nullptr;
  return without_model("emopiano_model_load_with_options");
}

int emopiano_model_load_options(int32_t*, int32_t*, const emopiano_model*) {
  return without_model("emopiano_model_load_options");
}

int emopiano_model_create(emopiano_model** out, const char*, const char*, uint64_t) {
  if (out) *out = nullptr;
  return without_model("emopiano_model_create");
}

int emopiano_model_save(const emopiano_model*, const char*, int32_t) { return without_model("emopiano_model_save"); }

void emopiano_model_free(emopiano_model*) {}

int emopiano_model_config_json(char** out_json, const emopiano_model*) {
  if (out_json) *out_json = nullptr;
  return without_model("emopiano_model_config_json");
}

int emopiano_model_metadata_json(char** out_json, const emopiano_model*) {
  if (out_json) *out_json = nullptr;
  return without_model("emopiano_model_metadata_json");
}

int emopiano_model_vocab_size(int32_t*, const emopiano_model*) { return without_model("emopiano_model_vocab_size"); }

int emopiano_model_parameter_count(int64_t*, const emopiano_model*) {
  return without_model("emopiano_model_parameter_count");
}

int emopiano_model_tokenizer(emopiano_tokenizer** out, const emopiano_model*) {
  if (out) *out = nullptr;
  return without_model("emopiano_model_tokenizer");
}

int emopiano_bundled_model_path(char** out_path) {
  if (out_path) *out_path = nullptr;
  return without_model("emopiano_bundled_model_path");
}

int emopiano_generate_params_init(emopiano_generate_params*, uint32_t) {
  return without_model("emopiano_generate_params_init");
}

int emopiano_session_params_init(emopiano_session_params*, uint32_t) {
  return without_model("emopiano_session_params_init");
}

int emopiano_session_create(emopiano_session** out, const emopiano_model*, const emopiano_session_params*) {
  if (out) *out = nullptr;
  return without_model("emopiano_session_create");
}

void emopiano_session_free(emopiano_session*) {}

int emopiano_session_next_bar(emopiano_session_bar*, emopiano_note** out_notes, size_t*, emopiano_session*) {
  if (out_notes) *out_notes = nullptr;
  return without_model("emopiano_session_next_bar");
}

int emopiano_session_set_emotion(emopiano_session*, const emopiano_emotion*) {
  return without_model("emopiano_session_set_emotion");
}

int emopiano_session_cancel(const emopiano_session*) { return without_model("emopiano_session_cancel"); }

int emopiano_session_reset(emopiano_session*) { return without_model("emopiano_session_reset"); }

int emopiano_session_write_midi(const emopiano_session*, const char*) {
  return without_model("emopiano_session_write_midi");
}

int emopiano_sampler_create(emopiano_sampler** out, const emopiano_model*) {
  if (out) *out = nullptr;
  return without_model("emopiano_sampler_create");
}

void emopiano_sampler_free(emopiano_sampler*) {}

int emopiano_sampler_generate(emopiano_generation** out, emopiano_sampler*, const emopiano_generate_params*) {
  if (out) *out = nullptr;
  return without_model("emopiano_sampler_generate");
}

int emopiano_sampler_generate_batch(emopiano_generation** out_pieces, int32_t count, emopiano_sampler*,
                                    const emopiano_generate_params*) {
  if (out_pieces)
    for (int32_t i = 0; i < count; ++i) out_pieces[i] = nullptr;
  return without_model("emopiano_sampler_generate_batch");
}

int emopiano_set_compute_threads(int32_t) { return without_model("emopiano_set_compute_threads"); }

int emopiano_generation_info_get(emopiano_generation_info*, const emopiano_generation*) {
  return without_model("emopiano_generation_info_get");
}

int emopiano_generation_tokens(const int32_t**, size_t*, const emopiano_generation*) {
  return without_model("emopiano_generation_tokens");
}

int emopiano_generation_notes(emopiano_note** out_notes, size_t*, const emopiano_generation*) {
  if (out_notes) *out_notes = nullptr;
  return without_model("emopiano_generation_notes");
}

int emopiano_generation_midi_bytes(uint8_t** out_bytes, size_t*, const emopiano_generation*) {
  if (out_bytes) *out_bytes = nullptr;
  return without_model("emopiano_generation_midi_bytes");
}

int emopiano_generation_write_midi(const emopiano_generation*, const char*) {
  return without_model("emopiano_generation_write_midi");
}

void emopiano_generation_free(emopiano_generation*) {}

int emopiano_trainer_params_init(emopiano_trainer_params*, uint32_t) {
  return without_model("emopiano_trainer_params_init");
}

int emopiano_trainer_create(emopiano_trainer** out, emopiano_model*, const emopiano_dataset*,
                            const emopiano_trainer_params*) {
  if (out) *out = nullptr;
  return without_model("emopiano_trainer_create");
}

int emopiano_trainer_resume(emopiano_trainer** out, const char*, const emopiano_dataset*,
                            const emopiano_trainer_params*) {
  if (out) *out = nullptr;
  return without_model("emopiano_trainer_resume");
}

void emopiano_trainer_free(emopiano_trainer*) {}

int emopiano_trainer_run(emopiano_train_result*, emopiano_trainer*) { return without_model("emopiano_trainer_run"); }

int emopiano_trainer_evaluate(emopiano_train_metrics*, emopiano_trainer*) {
  return without_model("emopiano_trainer_evaluate");
}

int emopiano_trainer_progress(int64_t*, int64_t*, const emopiano_trainer*) {
  return without_model("emopiano_trainer_progress");
}

int emopiano_trainer_model(emopiano_model** out, const emopiano_trainer*) {
  if (out) *out = nullptr;
  return without_model("emopiano_trainer_model");
}

int emopiano_classifier_load(emopiano_classifier** out, const char*) {
  if (out) *out = nullptr;
  return without_model("emopiano_classifier_load");
}

void emopiano_classifier_free(emopiano_classifier*) {}

int emopiano_bundled_classifier_path(char** out_path) {
  if (out_path) *out_path = nullptr;
  return without_model("emopiano_bundled_classifier_path");
}

int emopiano_classifier_classify_file(emopiano_emotion_prediction*, const emopiano_classifier*, const char*) {
  return without_model("emopiano_classifier_classify_file");
}

int emopiano_classifier_classify_midi(emopiano_emotion_prediction*, const emopiano_classifier*, const uint8_t*,
                                      size_t) {
  return without_model("emopiano_classifier_classify_midi");
}

int emopiano_vae_params_init(emopiano_vae_params*, uint32_t) { return without_model("emopiano_vae_params_init"); }

int emopiano_vae_load(emopiano_vae** out, const char*) {
  if (out) *out = nullptr;
  return without_model("emopiano_vae_load");
}

void emopiano_vae_free(emopiano_vae*) {}

int emopiano_bundled_vae_path(char** out_path) {
  if (out_path) *out_path = nullptr;
  return without_model("emopiano_bundled_vae_path");
}

int emopiano_vae_info(int32_t*, int32_t*, const emopiano_vae*) { return without_model("emopiano_vae_info"); }

int emopiano_vae_encode_file(float*, float*, size_t, const emopiano_vae*, const char*, const emopiano_emotion*) {
  return without_model("emopiano_vae_encode_file");
}

int emopiano_vae_sample_latent(float*, size_t, const emopiano_vae*, float, uint64_t) {
  return without_model("emopiano_vae_sample_latent");
}

int emopiano_vae_decode_midi(uint8_t** out_bytes, size_t*, const emopiano_vae*, const float*, size_t,
                             const emopiano_emotion*, const emopiano_vae_params*) {
  if (out_bytes) *out_bytes = nullptr;
  return without_model("emopiano_vae_decode_midi");
}

int emopiano_vae_decode_file(const emopiano_vae*, const float*, size_t, const emopiano_emotion*,
                             const emopiano_vae_params*, const char*) {
  return without_model("emopiano_vae_decode_file");
}

int emopiano_vae_interpolate_latents(float*, const float*, const float*, size_t, int32_t, int32_t) {
  return without_model("emopiano_vae_interpolate_latents");
}

int emopiano_vae_attribute_vector(float*, size_t, const emopiano_vae*, int32_t, int32_t) {
  return without_model("emopiano_vae_attribute_vector");
}

int emopiano_vae_transform_file(const emopiano_vae*, const char*, int32_t, int32_t, float, const emopiano_vae_params*,
                                const char*) {
  return without_model("emopiano_vae_transform_file");
}

int emopiano_vae_musical_attribute_vector(float*, size_t, const emopiano_vae*, int32_t) {
  return without_model("emopiano_vae_musical_attribute_vector");
}

int emopiano_vae_transform_by_file(const emopiano_vae*, const char*, int32_t, int32_t, const float*, size_t,
                                   const emopiano_vae_params*, const char*) {
  return without_model("emopiano_vae_transform_by_file");
}

}  // extern "C"

#endif  // !EMOPIANO_WITH_TORCH
