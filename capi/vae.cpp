// The conditional VAE across the C ABI: load, encode, sample, decode,
// interpolate latents, attribute vectors and transform.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "capi_support.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/vae.hpp"
#include "emopiano/vae_attributes.hpp"
#include "emotion.hpp"
#include "midi.hpp"

struct emopiano_vae {
  emopiano::EmotionVae vae;
};

namespace emopiano::capi {
namespace {

emopiano_vae_params default_vae_params() {
  emopiano_vae_params p{};
  p.struct_size = sizeof(p);
  p.temperature = 0.8f;
  p.top_k = 0;
  p.top_p = 0.95f;
  p.seed = 0;
  p.beams = 1;
  return p;
}

const EmotionVae& vae_of(const emopiano_vae* handle) {
  require(handle, "vae");
  return handle->vae;
}

SamplingParams to_sampling(const emopiano_vae_params* params) {
  const auto p = read_params(params, kVaeParamsV1, default_vae_params(), "VAE params");
  SamplingParams s;
  s.temperature = p.temperature;
  s.top_k = p.top_k;
  s.top_p = p.top_p;
  s.seed = p.seed;
  // A caller of the v1 struct (24 bytes) reads as the default, 1.
  s.beams = p.beams;
  s.validate();
  return s;
}

EmotionMix mix_or_q1(const emopiano_emotion* emotion) {
  return emotion ? to_mix(emotion, "emotion") : EmotionMix::from_quadrant(Quadrant::Q1);
}

void check_dim(const EmotionVae& vae, size_t dim) {
  if (dim != static_cast<size_t>(vae.config().latent_dim))
    throw Error(ErrorCode::invalid_argument, "dim = " + std::to_string(dim) + " but the VAE's latent has " +
                                                 std::to_string(vae.config().latent_dim) + " dimensions");
}

std::vector<float> latent_from(const float* z, size_t dim) {
  require(z, "z");
  return std::vector<float>(z, z + dim);
}

void copy_out(float* out, const std::vector<float>& v) { std::memcpy(out, v.data(), v.size() * sizeof(float)); }

}  // namespace
}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_vae_params_init(emopiano_vae_params* params, uint32_t struct_size) {
  return guarded([&] { init_params(params, struct_size, kVaeParamsV1, default_vae_params(), "params"); });
}

int emopiano_vae_load(emopiano_vae** out, const char* path) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    EmotionVae vae = EmotionVae::load(std::string(require_string(path, "path")));
    *out = new emopiano_vae{std::move(vae)};
  });
}

void emopiano_vae_free(emopiano_vae* vae) { delete vae; }

int emopiano_bundled_vae_path(char** out_path) {
  return guarded([&] {
    require(out_path, "out_path");
    *out_path = nullptr;
    *out_path = copy_string(bundled_vae_path().string());
  });
}

int emopiano_vae_info(int32_t* out_latent_dim, int32_t* out_segment_bars, const emopiano_vae* vae) {
  return guarded([&] {
    const EmotionVae& v = vae_of(vae);
    if (out_latent_dim) *out_latent_dim = v.config().latent_dim;
    if (out_segment_bars) *out_segment_bars = v.config().segment_bars;
  });
}

int emopiano_vae_encode_file(float* out_mean, float* out_log_variance, size_t dim, const emopiano_vae* vae,
                             const char* midi_path, const emopiano_emotion* emotion) {
  return guarded([&] {
    require(out_mean, "out_mean");
    const EmotionVae& v = vae_of(vae);
    check_dim(v, dim);
    const Score piece = read_score_file(midi_path, {});
    const LatentCode code = v.encode(piece, mix_or_q1(emotion));
    copy_out(out_mean, code.mean);
    if (out_log_variance) copy_out(out_log_variance, code.log_variance);
  });
}

int emopiano_vae_sample_latent(float* out_z, size_t dim, const emopiano_vae* vae, float temperature, uint64_t seed) {
  return guarded([&] {
    require(out_z, "out_z");
    const EmotionVae& v = vae_of(vae);
    check_dim(v, dim);
    copy_out(out_z, v.sample_latent(temperature, seed));
  });
}

int emopiano_vae_decode_midi(uint8_t** out_bytes, size_t* out_size, const emopiano_vae* vae, const float* z, size_t dim,
                             const emopiano_emotion* emotion, const emopiano_vae_params* params) {
  return guarded([&] {
    require(out_bytes, "out_bytes");
    *out_bytes = nullptr;
    require(out_size, "out_size");
    const EmotionVae& v = vae_of(vae);
    check_dim(v, dim);
    const VaeSegment s = v.decode(latent_from(z, dim), mix_or_q1(emotion), to_sampling(params));
    const std::vector<uint8_t> bytes = write_midi_bytes(s.score);
    *out_bytes = copy_array(bytes);
    *out_size = bytes.size();
  });
}

int emopiano_vae_decode_file(const emopiano_vae* vae, const float* z, size_t dim, const emopiano_emotion* emotion,
                             const emopiano_vae_params* params, const char* out_path) {
  return guarded([&] {
    const EmotionVae& v = vae_of(vae);
    check_dim(v, dim);
    const std::string path(require_string(out_path, "out_path"));
    const VaeSegment s = v.decode(latent_from(z, dim), mix_or_q1(emotion), to_sampling(params));
    write_midi_file(s.score, path);
  });
}

int emopiano_vae_interpolate_latents(float* out, const float* a, const float* b, size_t dim, int32_t steps,
                                     int32_t spherical) {
  return guarded([&] {
    require(out, "out");
    if (dim == 0) throw Error(ErrorCode::invalid_argument, "dim must be > 0");
    const auto path =
        interpolate_latents(latent_from(a, dim), latent_from(b, dim), steps,
                            flag(spherical, "spherical") ? Interpolation::spherical : Interpolation::linear);
    for (size_t i = 0; i < path.size(); ++i) copy_out(out + i * dim, path[i]);
  });
}

int emopiano_vae_attribute_vector(float* out, size_t dim, const emopiano_vae* vae, int32_t from_q, int32_t to_q) {
  return guarded([&] {
    require(out, "out");
    const EmotionVae& v = vae_of(vae);
    check_dim(v, dim);
    copy_out(out, v.attribute_vector(capi::to_quadrant(from_q), capi::to_quadrant(to_q)));
  });
}

int emopiano_vae_transform_file(const emopiano_vae* vae, const char* in_path, int32_t from_q, int32_t to_q,
                                float strength, const emopiano_vae_params* params, const char* out_path) {
  return guarded([&] {
    const EmotionVae& v = vae_of(vae);
    const Score piece = read_score_file(in_path, {});
    const std::string path(require_string(out_path, "out_path"));
    const Score out =
        v.transform(piece, capi::to_quadrant(from_q), capi::to_quadrant(to_q), strength, to_sampling(params));
    write_midi_file(out, path);
  });
}

int emopiano_vae_musical_attribute_vector(float* out, size_t dim, const emopiano_vae* vae, int32_t attribute) {
  return guarded([&] {
    require(out, "out");
    const EmotionVae& v = vae_of(vae);
    check_dim(v, dim);
    if (attribute < 0 || attribute >= kVaeAttributeCount)
      throw Error(ErrorCode::invalid_argument, fmt::format("attribute = {} is not an emopiano_vae_attribute (0..{})",
                                                           attribute, kVaeAttributeCount - 1));
    copy_out(out, attribute_vector(v, static_cast<VaeAttribute>(attribute)));
  });
}

int emopiano_vae_transform_by_file(const emopiano_vae* vae, const char* in_path, int32_t from_q, int32_t to_q,
                                   const float* shift, size_t dim, const emopiano_vae_params* params,
                                   const char* out_path) {
  return guarded([&] {
    const EmotionVae& v = vae_of(vae);
    require(shift, "shift");
    check_dim(v, dim);
    const std::vector<float> by(shift, shift + dim);
    for (float x : by)
      if (!std::isfinite(x)) throw Error(ErrorCode::invalid_argument, "shift has a value that is not finite");
    const Score piece = read_score_file(in_path, {});
    const std::string path(require_string(out_path, "out_path"));
    const Score out =
        transform_by(v, piece, capi::to_quadrant(from_q), capi::to_quadrant(to_q), by, to_sampling(params));
    write_midi_file(out, path);
  });
}

}  // extern "C"
