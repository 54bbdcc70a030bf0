// Batches of VAE segments and the forward pass with its losses.
#include "vae/segment_batch.hpp"

#include <algorithm>

#include "model/torch_runtime.hpp"

namespace emopiano::vae {

SegmentBatch make_batch(const SegmentCutter& cutter, const std::vector<std::vector<int32_t>>& segments,
                        const std::vector<Quadrant>& labels, int32_t pad) {
  SegmentBatch b;
  b.encoder = encoder_batch(cutter, segments, pad);
  const int64_t B = static_cast<int64_t>(segments.size());
  int64_t T = 1;
  for (const auto& s : segments) T = std::max<int64_t>(T, static_cast<int64_t>(s.size()) - 1);
  b.tokens = torch::full({B, T}, static_cast<int64_t>(pad), torch::kLong);
  b.targets = torch::full({B, T}, static_cast<int64_t>(pad), torch::kLong);
  b.bars = torch::zeros({B, T}, torch::kLong);
  b.positions = torch::zeros({B, T}, torch::kLong);
  b.emotion = torch::zeros({B, 4}, torch::kFloat);
  auto tok = b.tokens.accessor<int64_t, 2>();
  auto tgt = b.targets.accessor<int64_t, 2>();
  auto bar = b.bars.accessor<int64_t, 2>();
  auto pos = b.positions.accessor<int64_t, 2>();
  for (int64_t r = 0; r < B; ++r) {
    const auto in = cutter.inputs(segments[static_cast<size_t>(r)]);
    const int64_t n = static_cast<int64_t>(in.tokens.size()) - 1;
    for (int64_t t = 0; t < n; ++t) {
      tok[r][t] = in.tokens[static_cast<size_t>(t)];
      bar[r][t] = in.bars[static_cast<size_t>(t)];
      pos[r][t] = in.positions[static_cast<size_t>(t)];
      tgt[r][t] = in.tokens[static_cast<size_t>(t + 1)];
    }
    b.target_tokens += n;
    b.emotion[r][static_cast<int64_t>(labels[static_cast<size_t>(r)])] = 1.0f;
  }
  return b;
}

Losses forward(VaeNetworkImpl& net, const SegmentBatch& b, bool sample_z, bool bf16, int32_t pad) {
  Losses out;
  torch::Tensor mean, log_variance, logits;
  {
    detail::Bf16Autocast autocast(bf16);
    std::tie(mean, log_variance) =
        net.encode(b.encoder.tokens, b.encoder.bars, b.encoder.positions, b.encoder.padding, b.emotion);
    mean = mean.to(torch::kFloat);
    log_variance = log_variance.to(torch::kFloat);
    auto z = sample_z ? reparameterise(mean, log_variance) : mean;
    logits = net.decode(b.tokens, b.bars, b.positions, b.emotion, z);
  }
  logits = logits.to(torch::kFloat);
  auto ce = torch::nn::functional::cross_entropy(
      logits.reshape({-1, logits.size(-1)}), b.targets.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(pad).reduction(torch::kNone));
  out.reconstruction = ce.view(b.targets.sizes()).sum(1);
  out.kl_dims = 0.5 * (mean.pow(2) + torch::exp(log_variance) - 1.0 - log_variance);
  out.kl = out.kl_dims.sum(1);
  out.logits = logits;
  out.mean = mean;
  return out;
}

}  // namespace emopiano::vae
