#include "sample/token_choice.hpp"

#include <algorithm>
#include <cmath>

namespace emopiano::sample {

std::vector<std::pair<int32_t, double>> candidate_distribution(const float* logits, const uint8_t* mask,
                                                               int32_t vocab_size, const SamplingParams& params) {
  std::vector<std::pair<int32_t, double>> c;  // (token, scaled logit), then probability
  c.reserve(vocab_size);
  const bool greedy = params.temperature <= 0.0f;
  const double inv_t = greedy ? 1.0 : 1.0 / static_cast<double>(params.temperature);
  for (int32_t i = 0; i < vocab_size; ++i) {
    if (mask && !mask[i]) continue;
    const double l = static_cast<double>(logits[i]);
    if (std::isnan(l) || l == -INFINITY) continue;
    c.emplace_back(i, l * inv_t);
  }
  if (c.empty()) return c;
  // A total order (ties by id) keeps the choice independent of sort internals.
  std::sort(c.begin(), c.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (greedy) {
    c.resize(1);
    c[0].second = 1.0;
    return c;
  }
  if (params.top_k > 0 && static_cast<size_t>(params.top_k) < c.size()) c.resize(params.top_k);
  const double top = c.front().second;
  double sum = 0.0;
  for (auto& [id, v] : c) sum += (v = std::exp(v - top));
  for (auto& [id, v] : c) v /= sum;
  if (params.top_p < 1.0f) {
    double cumulative = 0.0;
    size_t keep = 0;
    while (keep < c.size()) {
      cumulative += c[keep].second;
      ++keep;
      if (cumulative >= static_cast<double>(params.top_p)) break;
    }
    c.resize(keep);
    for (auto& [id, p] : c) p /= cumulative;
  }
  return c;
}

void fold_probability(float* logits, int32_t from, int32_t into) {
  const float a = logits[into], b = logits[from], top = std::max(a, b);
  logits[into] = top + std::log(std::exp(a - top) + std::exp(b - top));
}

int32_t choose_token(const float* logits, const uint8_t* mask, int32_t vocab_size, const SamplingParams& params,
                     Random& random) {
  const auto c = candidate_distribution(logits, mask, vocab_size, params);
  if (c.empty()) return -1;
  // Draw even when one candidate is left: one draw per token keeps a
  // piece's random stream aligned with its token index.
  double u = random.uniform();
  for (const auto& [id, p] : c) {
    if (u < p) return id;
    u -= p;
  }
  return c.back().first;
}

}  // namespace emopiano::sample
