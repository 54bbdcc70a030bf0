// EmotionVae: creation, the model file, and the latent-space operations
// (encode, decode, sample, interpolate, variations, emotion arithmetic).
#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/vae_attributes.hpp"
#include "emopiano/version.hpp"
#include "model/own_generator.hpp"
#include "model/tensor_container.hpp"
#include "sample/random.hpp"
#include "tokenizer/saved_tokenizer_config.hpp"
#include "vae/vae_config_keys.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano {

namespace {

constexpr const char* kKind = "vae";

std::vector<float> to_vector(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Standard normal draws from our own generator (Box-Muller), so a seed gives
// the same latent on every platform.
std::vector<float> normal_vector(size_t n, uint64_t seed) {
  sample::Random random(seed);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; i += 2) {
    const double u1 = std::max(random.uniform(), 1e-300), u2 = random.uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    v[i] = static_cast<float>(r * std::cos(2.0 * M_PI * u2));
    if (i + 1 < n) v[i + 1] = static_cast<float>(r * std::sin(2.0 * M_PI * u2));
  }
  return v;
}

void check_emotion(const EmotionMix& e) {
  // EmotionMix validates on construction; this guards a default-constructed one too.
  float sum = 0.0f;
  for (float p : e.probabilities()) sum += p;
  if (!(std::abs(sum - 1.0f) < 1e-3f)) throw Error(ErrorCode::invalid_argument, "emotion probabilities must sum to 1");
}

}  // namespace

std::vector<std::vector<float>> interpolate_latents(const std::vector<float>& a, const std::vector<float>& b, int steps,
                                                    Interpolation mode) {
  if (steps < 2) throw Error(ErrorCode::invalid_argument, fmt::format("interpolation: steps = {} must be >= 2", steps));
  if (a.size() != b.size() || a.empty())
    throw Error(ErrorCode::invalid_argument,
                fmt::format("interpolation: latents of {} and {} dimensions", a.size(), b.size()));
  double na = 0, nb = 0, dot = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
    dot += static_cast<double>(a[i]) * b[i];
  }
  na = std::sqrt(na);
  nb = std::sqrt(nb);
  const double cos_omega = (na > 0 && nb > 0) ? std::clamp(dot / (na * nb), -1.0, 1.0) : 1.0;
  const double omega = std::acos(cos_omega);
  std::vector<std::vector<float>> out;
  for (int s = 0; s < steps; ++s) {
    const double t = static_cast<double>(s) / static_cast<double>(steps - 1);
    std::vector<float> z(a.size());
    if (mode == Interpolation::spherical && omega > 1e-6 && std::sin(omega) > 1e-6) {
      // Slerp: the great circle between the two directions (MusicVAE).
      const double sa = std::sin((1.0 - t) * omega) / std::sin(omega), sb = std::sin(t * omega) / std::sin(omega);
      for (size_t i = 0; i < z.size(); ++i) z[i] = static_cast<float>(sa * a[i] + sb * b[i]);
    } else {
      for (size_t i = 0; i < z.size(); ++i) z[i] = static_cast<float>((1.0 - t) * a[i] + t * b[i]);
    }
    out.push_back(std::move(z));
  }
  // The ends are the inputs exactly, whatever rounding did.
  out.front() = a;
  out.back() = b;
  return out;
}

EmotionVae::EmotionVae(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
const VaeConfig& EmotionVae::config() const { return impl_->config; }
const Tokenizer& EmotionVae::tokenizer() const { return *impl_->tokenizer; }
std::string EmotionVae::metadata_json() const { return impl_->metadata_json; }

void EmotionVae::set_metadata_json(const std::string& json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error(ErrorCode::invalid_argument, "VAE metadata: expected a JSON object");
  // Copy on write: other copies of this VAE, which other threads may be
  // reading, keep theirs. The network is shared, not copied.
  auto impl = std::make_shared<Impl>();
  impl->config = impl_->config;
  impl->tokenizer = Tokenizer::create(impl_->tokenizer->config());
  impl->cutter = std::make_unique<vae::SegmentCutter>(*impl->tokenizer, impl->config.segment_bars,
                                                      impl->config.max_segment_tokens);
  impl->net = impl_->net;
  impl->metadata_json = j.dump();
  impl_ = std::move(impl);
}

int64_t EmotionVae::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : impl_->net->parameters()) n += p.numel();
  return n;
}

EmotionVae EmotionVae::create(const VaeConfig& config, const TokenizerConfig& tokenizer, uint64_t seed) {
  config.validate();
  auto impl = std::make_shared<Impl>();
  impl->config = config;
  impl->tokenizer = Tokenizer::create(tokenizer);
  impl->cutter = std::make_unique<vae::SegmentCutter>(*impl->tokenizer, config.segment_bars, config.max_segment_tokens);
  {
    // LibTorch's module constructors draw a default initialisation from the
    // global generator; init_weights replaces it, so they draw from a scratch
    // generator and creating or loading a VAE leaves the host's draws alone.
    detail::OwnGenerator scratch;
    detail::OwnGenerator::Lease construction_draws(scratch);
    impl->net = VaeNetwork(config, impl->tokenizer->vocab_size(), impl->tokenizer->max_positions_per_bar());
  }
  impl->net->init_weights(seed);
  impl->net->eval();
  return EmotionVae(std::move(impl));
}

EmotionVae detail::copy_vae(const EmotionVae& vae) {
  const auto& from = impl_of(vae);
  EmotionVae copy = EmotionVae::create(from.config, from.tokenizer->config(), 0);
  auto& to = impl_of(copy);
  to.metadata_json = from.metadata_json;
  torch::NoGradGuard no_grad;
  const NamedTensors source = named_tensors(*from.net.ptr());  // read only
  NamedTensors target = named_tensors(*to.net);
  for (size_t i = 0; i < target.size(); ++i) target[i].second.copy_(source[i].second);
  return copy;
}

void EmotionVae::save(const std::filesystem::path& path, WeightStorage storage) const {
  nlohmann::json header = {
      {"kind", kKind},
      {"vae", nlohmann::json::parse(impl_->config.to_json())},
      {"tokenizer", nlohmann::json::parse(impl_->tokenizer->config().to_json())},
      {"metadata", nlohmann::json::parse(impl_->metadata_json)},
  };
  const std::string bytes = detail::write_tensor_container(std::move(header), *impl_->net, storage);
  detail::write_file_atomically(path, bytes);
}

EmotionVae EmotionVae::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(ErrorCode::io, fmt::format("VAE file {} does not exist or is not a file", path.string()));
  const std::string bytes = detail::read_file_bytes(path);
  const std::string what = "VAE file " + path.string();
  detail::TensorContainer c = detail::read_tensor_container(bytes, what, {"tokenizer"});
  if (c.header.value("kind", std::string()) != kKind || !c.header.contains("vae"))
    detail::bad_container(what, "not a VAE (a generator or classifier file?)");
  // An option this build does not know: the file needs a newer one (options
  // are written only when used, so an older file never has such a key).
  if (c.header["vae"].is_object()) {
    for (const auto& [key, value] : c.header["vae"].items()) {
      if (!vae::config_keys().count(key))
        throw Error(ErrorCode::unsupported,
                    fmt::format("{}: its configuration uses \"{}\", an option this build of emopiano ({}) does not "
                                "know: it was written by a newer one",
                                what, key, version_string()));
    }
  }
  VaeConfig config;
  TokenizerConfig tok;
  try {
    config = VaeConfig::from_json(c.header["vae"].dump());
    tok = tokenizer::saved_tokenizer_config(c.header["tokenizer"].dump());
  } catch (const Error& e) {
    detail::bad_container(what, e.what());
  }
  // Encoder and decoder blocks and the position embedding: the bulk of the weights.
  const auto d = static_cast<uint64_t>(config.d_model);
  detail::check_config_fits_data(
      c,
      detail::transformer_block_values(static_cast<uint64_t>(config.encoder_layers + config.decoder_layers), d,
                                       static_cast<uint64_t>(config.d_ff)) +
          static_cast<uint64_t>(config.max_segment_tokens + 2) * d +
          static_cast<uint64_t>(config.latent_tokens) * static_cast<uint64_t>(config.latent_dim) * d +
          (config.latent_every_block ? static_cast<uint64_t>(config.decoder_layers) : 0u) *
              static_cast<uint64_t>(config.latent_dim) * d +
          static_cast<uint64_t>(config.encoder_summary_tokens) * d *
              (1u + 2u * static_cast<uint64_t>(config.latent_dim)),
      what);
  EmotionVae vae = create(config, tok, 0);
  if (c.header.contains("metadata") && c.header["metadata"].is_object())
    vae.impl_->metadata_json = c.header["metadata"].dump();
  detail::load_tensors(c, detail::named_tensors(*vae.impl_->net), what, {"attribute_vectors", "attribute_counts"});
  vae.impl_->net->eval();
  return vae;
}

std::vector<std::vector<int32_t>> EmotionVae::segments(const Score& piece, Quadrant emotion) const {
  return impl_->cutter->all(impl_->tokenizer->encode(piece, emotion), emotion);
}

LatentCode EmotionVae::encode_tokens(const std::vector<int32_t>& segment, const EmotionMix& emotion) const {
  check_emotion(emotion);
  const Tokenizer& tok = *impl_->tokenizer;
  if (segment.size() < 3 || segment[0] != tok.bos_id() || !tok.emotion_of(segment[1]))
    throw Error(ErrorCode::invalid_argument, "encode: a segment starts with BOS and an emotion token");
  if (static_cast<int64_t>(segment.size()) > impl_->config.max_segment_tokens)
    throw Error(ErrorCode::invalid_argument, fmt::format("encode: a segment of {} tokens is longer than the model's {}",
                                                         segment.size(), impl_->config.max_segment_tokens));
  c10::InferenceMode inference;
  auto batch = vae::encoder_batch(*impl_->cutter, {segment}, tok.pad_id());
  const auto& p = emotion.probabilities();
  auto e = torch::tensor(std::vector<float>(p.begin(), p.end())).view({1, 4});
  auto [mean, log_variance] = impl_->net->encode(batch.tokens, batch.bars, batch.positions, batch.padding, e);
  return LatentCode{to_vector(mean[0]), to_vector(log_variance[0])};
}

LatentCode EmotionVae::encode(const Score& piece, const EmotionMix& emotion) const {
  auto segs = segments(piece, emotion.dominant());
  if (segs.empty()) throw Error(ErrorCode::invalid_argument, "encode: the piece has no bars");
  return encode_tokens(segs.front(), emotion);
}

std::vector<VaeSegment> EmotionVae::decode(const std::vector<std::vector<float>>& z,
                                           const std::vector<EmotionMix>& emotion, const SamplingParams& params) const {
  for (const auto& e : emotion) check_emotion(e);
  auto tokens = vae::decode_latents(*impl_, z, emotion, params);
  std::vector<VaeSegment> out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    VaeSegment s;
    s.score = impl_->tokenizer->decode(tokens[i]);
    s.tokens = std::move(tokens[i]);
    s.z = z[i];
    out.push_back(std::move(s));
  }
  return out;
}

VaeSegment EmotionVae::decode(const std::vector<float>& z, const EmotionMix& emotion,
                              const SamplingParams& params) const {
  return std::move(decode(std::vector<std::vector<float>>{z}, std::vector<EmotionMix>{emotion}, params).front());
}

std::vector<float> EmotionVae::sample_latent(float temperature, uint64_t seed) const {
  if (!(temperature >= 0.0f && std::isfinite(temperature)))
    throw Error(ErrorCode::invalid_argument, fmt::format("sample: temperature = {} must be >= 0", temperature));
  auto z = normal_vector(static_cast<size_t>(impl_->config.latent_dim), seed);
  for (auto& v : z) v *= temperature;
  return z;
}

std::vector<VaeSegment> EmotionVae::sample(const EmotionMix& emotion, int count, float temperature,
                                           const SamplingParams& params) const {
  if (count < 1) throw Error(ErrorCode::invalid_argument, fmt::format("sample: count = {} must be >= 1", count));
  std::vector<std::vector<float>> z;
  // Latent seeds apart from the decoding streams (params.seed + i).
  for (int i = 0; i < count; ++i)
    z.push_back(sample_latent(temperature, params.seed * 7919u + 0x5eedu + static_cast<uint64_t>(i)));
  return decode(z, std::vector<EmotionMix>(static_cast<size_t>(count), emotion), params);
}

VaeSegment EmotionVae::reconstruct(const Score& piece, const EmotionMix& emotion, const SamplingParams& params) const {
  return decode(encode(piece, emotion).mean, emotion, params);
}

std::vector<VaeSegment> EmotionVae::interpolate(const Score& a, const EmotionMix& emotion_a, const Score& b,
                                                const EmotionMix& emotion_b, int steps, Interpolation mode,
                                                const SamplingParams& params) const {
  auto path = interpolate_latents(encode(a, emotion_a).mean, encode(b, emotion_b).mean, steps, mode);
  std::vector<EmotionMix> emotions;
  for (int s = 0; s < steps; ++s)
    emotions.push_back(EmotionMix::lerp(emotion_a, emotion_b, static_cast<float>(s) / static_cast<float>(steps - 1)));
  // One random stream for every step, so the path varies only with z.
  std::vector<VaeSegment> out;
  for (int s = 0; s < steps; ++s)
    out.push_back(decode(path[static_cast<size_t>(s)], emotions[static_cast<size_t>(s)], params));
  return out;
}

std::vector<std::vector<VaeSegment>> EmotionVae::interpolate_pieces(const Score& a, const EmotionMix& emotion_a,
                                                                    const Score& b, const EmotionMix& emotion_b,
                                                                    int steps, int segments, Interpolation mode,
                                                                    const SamplingParams& params) const {
  if (segments < 1)
    throw Error(ErrorCode::invalid_argument, fmt::format("interpolation: segments = {} must be >= 1", segments));
  const auto segs_a = this->segments(a, emotion_a.dominant()), segs_b = this->segments(b, emotion_b.dominant());
  if (segs_a.empty() || segs_b.empty()) throw Error(ErrorCode::invalid_argument, "interpolation: a piece has no bars");
  const size_t n = std::min({static_cast<size_t>(segments), segs_a.size(), segs_b.size()});
  std::vector<std::vector<std::vector<float>>> paths;  // [segment][step]
  for (size_t k = 0; k < n; ++k) {
    paths.push_back(interpolate_latents(encode_tokens(segs_a[k], emotion_a).mean,
                                        encode_tokens(segs_b[k], emotion_b).mean, steps, mode));
  }
  std::vector<std::vector<VaeSegment>> out;
  for (int s = 0; s < steps; ++s) {
    const auto e = EmotionMix::lerp(emotion_a, emotion_b, static_cast<float>(s) / static_cast<float>(steps - 1));
    std::vector<std::vector<float>> z;
    for (size_t k = 0; k < n; ++k) z.push_back(paths[k][static_cast<size_t>(s)]);
    out.push_back(decode(z, std::vector<EmotionMix>(n, e), params));
  }
  return out;
}

std::vector<VaeSegment> EmotionVae::variations(const Score& piece, const EmotionMix& emotion, float similarity,
                                               int count, const SamplingParams& params) const {
  if (!(similarity >= 0.0f && similarity <= 1.0f))
    throw Error(ErrorCode::invalid_argument, fmt::format("variations: similarity = {} must be in [0, 1]", similarity));
  if (count < 1) throw Error(ErrorCode::invalid_argument, fmt::format("variations: count = {} must be >= 1", count));
  const auto mean = encode(piece, emotion).mean;
  std::vector<std::vector<float>> z;
  for (int i = 0; i < count; ++i) {
    auto noise = normal_vector(mean.size(), params.seed * 7919u + 0xa11u + static_cast<uint64_t>(i));
    std::vector<float> v(mean.size());
    for (size_t d = 0; d < v.size(); ++d) v[d] = mean[d] * similarity + noise[d] * (1.0f - similarity);
    z.push_back(std::move(v));
  }
  return decode(z, std::vector<EmotionMix>(static_cast<size_t>(count), emotion), params);
}

bool EmotionVae::has_attribute_vectors() const { return impl_->net->quadrant_counts.max().item<float>() > 0.0f; }

std::vector<float> EmotionVae::attribute_vector(Quadrant from, Quadrant to) const {
  if (!has_attribute_vectors())
    throw Error(ErrorCode::unsupported,
                "this VAE has no quadrant means (it was not trained with emopiano's VAE trainer to the end)");
  auto& counts = impl_->net->quadrant_counts;
  for (Quadrant q : {from, to})
    if (!(counts[static_cast<int64_t>(q)].item<float>() > 0.0f))
      throw Error(ErrorCode::unsupported,
                  fmt::format("this VAE saw no training segments of {}, so it has no attribute vector for it",
                              quadrant_name(q)));
  auto& means = impl_->net->quadrant_means;
  return to_vector(means[static_cast<int64_t>(to)] - means[static_cast<int64_t>(from)]);
}

Score EmotionVae::transform(const Score& piece, Quadrant from, Quadrant to, float strength,
                            const SamplingParams& params) const {
  if (!std::isfinite(strength)) throw Error(ErrorCode::invalid_argument, "transform: strength must be finite");
  auto shift = attribute_vector(from, to);
  for (float& v : shift) v *= strength;
  return transform_by(*this, piece, from, to, shift, params);
}

Score EmotionVae::join(const std::vector<VaeSegment>& segments) const {
  std::vector<std::vector<int32_t>> tokens;
  tokens.reserve(segments.size());
  for (const auto& s : segments) tokens.push_back(s.tokens);
  const auto all = impl_->cutter->join(tokens);
  return all.empty() ? Score{} : impl_->tokenizer->decode(all);
}

}  // namespace emopiano
