#include "sample/precision_replay.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/core.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "model/model_impl.hpp"
#include "sample/sampler_impl.hpp"

namespace emopiano::sample {

namespace {

struct Fed {
  std::vector<int64_t> tokens, bars, positions, keys;
  std::vector<float> emotions;  // 4 per token
};

// Logits after feeding tokens [from, to) to the cached network.
std::vector<double> feed(EmotionTransformerImpl& net, const Fed& in, size_t from, size_t to, KVCache& cache) {
  const int64_t L = static_cast<int64_t>(to - from);
  auto slice = [&](const std::vector<int64_t>& v) {
    return torch::tensor(std::vector<int64_t>(v.begin() + std::ptrdiff_t(from), v.begin() + std::ptrdiff_t(to)),
                         torch::kLong)
        .view({1, L});
  };
  auto emotion = torch::tensor(std::vector<float>(in.emotions.begin() + std::ptrdiff_t(4 * from),
                                                  in.emotions.begin() + std::ptrdiff_t(4 * to)))
                     .view({1, L, 4});
  auto logits = net.forward_cached(slice(in.tokens), slice(in.bars), slice(in.positions), emotion, cache,
                                   slice(in.keys))[0][L - 1]
                    .to(torch::kDouble)
                    .contiguous();
  return std::vector<double>(logits.data_ptr<double>(), logits.data_ptr<double>() + logits.numel());
}

std::vector<double> log_softmax(const std::vector<double>& x) {
  const double top = *std::max_element(x.begin(), x.end());
  double total = 0.0;
  for (double v : x) total += std::exp(v - top);
  const double log_total = top + std::log(total);
  std::vector<double> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] - log_total;
  return out;
}

}  // namespace

PrecisionAgreement compare_precisions(const Model& reference, const Model& fast, GenerationRequest request) {
  if (!(reference.config() == fast.config()) || reference.tokenizer().vocab_size() != fast.tokenizer().vocab_size()) {
    throw Error(ErrorCode::invalid_argument, "compare_precisions: the two models differ in shape or vocabulary");
  }
  request.params.temperature = 0.0f;
  request.params.stop_at_eos = false;
  request.params.guidance = 1.0f;  // one row: the conditional distribution itself
  Sampler sampler(reference);
  Fed in;
  impl_of(sampler).observer = [&](const FedToken& t) {
    in.tokens.push_back(t.token);
    in.bars.push_back(t.bar);
    in.positions.push_back(t.position);
    in.keys.push_back(t.key);
    in.emotions.insert(in.emotions.end(), t.emotion.begin(), t.emotion.end());
  };
  const GenerationResult piece = sampler.generate(request);
  if (static_cast<int64_t>(in.tokens.size()) > reference.config().context_length) {
    throw Error(ErrorCode::invalid_argument, fmt::format("compare_precisions: {} tokens do not fit the context of {}",
                                                         in.tokens.size(), reference.config().context_length));
  }

  c10::InferenceMode inference;
  auto& ref_net = *impl_of(reference).net;
  auto& fast_net = *impl_of(fast).net;
  KVCache ref_cache, fast_cache;
  PrecisionAgreement a;
  const size_t prompt = static_cast<size_t>(piece.prompt_tokens), n = in.tokens.size();
  for (size_t from = 0, to = prompt; to <= n; from = to, ++to) {
    const auto p = log_softmax(feed(ref_net, in, from, to, ref_cache));
    const auto q = log_softmax(feed(fast_net, in, from, to, fast_cache));
    double kl = 0.0;
    for (size_t i = 0; i < p.size(); ++i) kl += std::exp(p[i]) * (p[i] - q[i]);
    a.mean_kl += kl;
    a.max_kl = std::max(a.max_kl, kl);
    a.same_top += std::max_element(p.begin(), p.end()) - p.begin() == std::max_element(q.begin(), q.end()) - q.begin();
    ++a.steps;
  }
  if (a.steps) a.mean_kl /= static_cast<double>(a.steps);
  return a;
}

}  // namespace emopiano::sample
