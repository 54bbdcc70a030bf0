// MusicVAE's attribute vectors for musical attributes: the mean latent of the
// training segments in an attribute's top quartile minus that of its bottom
// quartile, computed after training and stored in the model; and latent
// arithmetic on a whole piece with any shift.
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <numeric>
#include <string>

#include <fmt/core.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/vae_attributes.hpp"
#include "vae/segment_attributes.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano {

static_assert(kVaeAttributeCount == kVaeAttributes, "the model file holds one vector per attribute");

namespace {

constexpr int64_t kBatch = 32;

}  // namespace

const char* vae_attribute_name(VaeAttribute a) noexcept {
  switch (a) {
    case VaeAttribute::density: return "density";
    case VaeAttribute::pitch_range: return "pitch range";
    case VaeAttribute::syncopation: return "syncopation";
    case VaeAttribute::mode: return "mode";
  }
  return "?";
}

VaeAttributeDirection parse_vae_attribute(std::string_view word) {
  std::string w(word);
  std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (w == "dense" || w == "density") return {VaeAttribute::density, 1};
  if (w == "sparse") return {VaeAttribute::density, -1};
  if (w == "wide" || w == "range" || w == "pitch-range") return {VaeAttribute::pitch_range, 1};
  if (w == "narrow") return {VaeAttribute::pitch_range, -1};
  if (w == "syncopated" || w == "syncopation") return {VaeAttribute::syncopation, 1};
  if (w == "straight") return {VaeAttribute::syncopation, -1};
  if (w == "major") return {VaeAttribute::mode, 1};
  if (w == "minor") return {VaeAttribute::mode, -1};
  throw Error(ErrorCode::invalid_argument,
              fmt::format("unknown attribute '{}': dense, sparse, wide, narrow, syncopated, straight, major or minor",
                          std::string(word)));
}

bool has_attribute_vector(const EmotionVae& vae, VaeAttribute a) {
  return impl_of(vae).net->attribute_counts[static_cast<int64_t>(a)].item<float>() > 0.0f;
}

std::vector<float> attribute_vector(const EmotionVae& vae, VaeAttribute a) {
  if (!has_attribute_vector(vae, a))
    throw Error(ErrorCode::unsupported,
                fmt::format("this VAE has no {} vector: compute its attribute vectors with `emopiano vae-attributes`",
                            vae_attribute_name(a)));
  auto v = impl_of(vae).net->attribute_vectors[static_cast<int64_t>(a)].contiguous();
  return std::vector<float>(v.data_ptr<float>(), v.data_ptr<float>() + v.numel());
}

EmotionVae with_attribute_vectors(const EmotionVae& vae, const Dataset& dataset, const ProgressCallback& progress) {
  EmotionVae out = detail::copy_vae(vae);
  auto& impl = impl_of(out);
  const Tokenizer& tok = *impl.tokenizer;
  auto& net = *impl.net;
  net.eval();
  const int32_t vocab = tok.vocab_size();
  std::vector<std::vector<int32_t>> segments;
  std::vector<Quadrant> labels;
  std::vector<std::array<double, kVaeAttributeCount>> values;
  for (const DatasetItem* item : dataset.split(Split::train)) {
    if (!item->labelled) continue;  // segments are encoded with their emotion
    for (int32_t id : item->tokens)
      if (id < 0 || id >= vocab)
        throw Error(
            ErrorCode::invalid_argument,
            fmt::format("dataset piece {} has token id {} outside the VAE's vocabulary of {}", item->name, id, vocab));
    for (auto& s : impl.cutter->all(item->tokens, item->label)) {
      const Score score = tok.decode(s);
      if (score.notes.empty()) continue;  // no density, range, onsets or key to speak of
      values.push_back(vae::segment_attributes(score, impl.config.segment_bars));
      segments.push_back(std::move(s));
      labels.push_back(item->label);
    }
  }
  const int64_t n = static_cast<int64_t>(segments.size());
  if (n < 8)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("attribute vectors need at least 8 training segments with notes, the dataset has {}", n));
  auto means = torch::zeros({n, impl.config.latent_dim}, torch::kFloat);
  const auto started = std::chrono::steady_clock::now();
  {
    c10::InferenceMode inference;
    for (int64_t i = 0; i < n; i += kBatch) {
      const int64_t end = std::min(n, i + kBatch);
      std::vector<std::vector<int32_t>> batch(segments.begin() + i, segments.begin() + end);
      auto emotion = torch::zeros({end - i, 4}, torch::kFloat);
      for (int64_t r = i; r < end; ++r) emotion[r - i][static_cast<int64_t>(labels[static_cast<size_t>(r)])] = 1.0f;
      auto b = vae::encoder_batch(*impl.cutter, batch, tok.pad_id());
      means.slice(0, i, end).copy_(net.encode(b.tokens, b.bars, b.positions, b.padding, emotion).first);
      if (progress) {
        ProgressInfo info{"attribute vectors", end, n,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), ""};
        if (!progress(info)) throw Error(ErrorCode::cancelled, "attribute vectors cancelled");
      }
    }
  }
  const int64_t quartile = n / 4;
  torch::NoGradGuard no_grad;
  for (int a = 0; a < kVaeAttributeCount; ++a) {
    // Ties keep the data's order, so the quartiles are the same on every run.
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
      return values[static_cast<size_t>(x)][static_cast<size_t>(a)] <
             values[static_cast<size_t>(y)][static_cast<size_t>(a)];
    });
    auto index = torch::tensor(order, torch::kLong);
    auto bottom = means.index_select(0, index.slice(0, 0, quartile)).mean(0);
    auto top = means.index_select(0, index.slice(0, n - quartile, n)).mean(0);
    net.attribute_vectors[a].copy_(top - bottom);
    net.attribute_counts[a].fill_(static_cast<float>(quartile));
  }
  return out;
}

Score transform_by(const EmotionVae& vae, const Score& piece, Quadrant from, Quadrant to,
                   const std::vector<float>& shift, const SamplingParams& params) {
  if (static_cast<int>(shift.size()) != vae.config().latent_dim)
    throw Error(ErrorCode::invalid_argument, fmt::format("transform: a shift of {} values for a latent of {}",
                                                         shift.size(), vae.config().latent_dim));
  for (float v : shift)
    if (!std::isfinite(v)) throw Error(ErrorCode::invalid_argument, "transform: the shift must be finite");
  const auto segs = vae.segments(piece, from);
  if (segs.empty()) throw Error(ErrorCode::invalid_argument, "transform: the piece has no bars");
  const EmotionMix source = EmotionMix::from_quadrant(from), target = EmotionMix::from_quadrant(to);
  std::vector<std::vector<float>> z;
  for (const auto& s : segs) {
    auto mean = vae.encode_tokens(s, source).mean;
    for (size_t d = 0; d < mean.size(); ++d) mean[d] += shift[d];
    z.push_back(std::move(mean));
  }
  return vae.join(vae.decode(z, std::vector<EmotionMix>(z.size(), target), params));
}

}  // namespace emopiano
