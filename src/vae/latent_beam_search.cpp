// Greedy decoding of the VAE with beams: for each latent, the `beams` most
// likely partial segments are kept at every step (under the grammar and the
// segment's end rule), and the segment with the highest mean log-probability
// per token wins. One greedy token early in a bar decides the rest of it;
// beams let a slightly less likely start win when the bar it leads to is
// more likely as a whole.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "vae/latent_rows.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano::vae {

namespace {

constexpr double kDead = -std::numeric_limits<double>::infinity();

// What beams are ranked by: the mean log-probability per chosen token, so a
// segment that ends early does not win for having fewer tokens to pay for.
double mean_per_token(double log_probability, int64_t chosen) {
  return chosen == 0 ? log_probability : log_probability / static_cast<double>(chosen);
}

struct Beam {
  LatentRow row;
  double log_probability = 0.0;  // of the tokens the model chose
  int64_t chosen = 0;            // how many it chose
  double rank() const { return mean_per_token(log_probability, chosen); }
};

// A way to go on from a beam: its next token (-1: it is finished and
// stays), or the beam cut back to where it could end.
struct Candidate {
  size_t parent = 0;
  int32_t token = -1;
  bool cut = false;
  double log_probability = 0.0;
  int64_t chosen = 0;
  double rank() const { return mean_per_token(log_probability, chosen); }
};

// The `keep` best tokens of one row under its mask, with their log-probabilities.
std::vector<std::pair<int32_t, double>> best_tokens(const float* logits, const uint8_t* mask, int32_t vocab,
                                                    size_t keep) {
  double top = -std::numeric_limits<double>::infinity();
  for (int32_t i = 0; i < vocab; ++i)
    if (mask[i] && std::isfinite(logits[i])) top = std::max(top, static_cast<double>(logits[i]));
  std::vector<std::pair<int32_t, double>> c;
  if (!std::isfinite(top)) return c;
  double sum = 0.0;
  for (int32_t i = 0; i < vocab; ++i)
    if (mask[i] && std::isfinite(logits[i])) {
      sum += std::exp(static_cast<double>(logits[i]) - top);
      c.emplace_back(i, static_cast<double>(logits[i]));
    }
  const double lse = top + std::log(sum);
  for (auto& [id, l] : c) l -= lse;
  keep = std::min(keep, c.size());
  std::partial_sort(c.begin(), c.begin() + std::ptrdiff_t(keep), c.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  c.resize(keep);
  return c;
}

}  // namespace

std::vector<std::vector<int32_t>> beam_search_latents(EmotionVae::Impl& vae, const std::vector<std::vector<float>>& z,
                                                      const std::vector<EmotionMix>& emotion, int beams,
                                                      std::vector<double>* mean_log_probability) {
  const VaeConfig& cfg = vae.config;
  const Tokenizer& tok = *vae.tokenizer;
  const auto one = latent_inputs(cfg, z, emotion);
  const size_t B = z.size(), K = static_cast<size_t>(std::max(beams, 1));
  // Row b * K + k is beam k of latent b.
  const auto per_beam = torch::arange(static_cast<int64_t>(B)).repeat_interleave(static_cast<int64_t>(K));
  const auto zt = one.z.index_select(0, per_beam), et = one.emotion.index_select(0, per_beam);

  c10::InferenceMode inference;
  auto& net = *vae.net;
  const int32_t vocab = tok.vocab_size(), eos = tok.eos_id();
  std::vector<Beam> beam;
  for (size_t b = 0; b < B; ++b)
    for (size_t k = 0; k < K; ++k) {
      beam.push_back(Beam{LatentRow(tok, emotion[b]), k == 0 ? 0.0 : kDead, 0});
      beam.back().row.done = k != 0;  // only the first beam is live until the first step fans out
    }
  KVCache cache;
  std::vector<uint8_t> mask(static_cast<size_t>(vocab));
  std::vector<float> logits_row(static_cast<size_t>(vocab));
  std::vector<const LatentRow*> feed_rows;
  size_t fed = 0;
  while (true) {
    feed_rows.clear();
    for (const auto& bm : beam) feed_rows.push_back(&bm.row);
    const auto feed = decoder_feed(feed_rows, fed);
    const int64_t L = feed.tokens.size(1);
    auto logits = net.decode_cached(feed.tokens, feed.bars, feed.positions, et, zt, cache)
                      .select(1, L - 1)
                      .to(torch::kFloat)
                      .contiguous();
    fed = beam[0].row.tokens.size();

    std::vector<Beam> next;
    std::vector<int64_t> parents;
    bool all_done = true;
    for (size_t b = 0; b < B; ++b) {
      std::vector<Candidate> candidates;
      for (size_t k = 0; k < K; ++k) {
        const size_t r = b * K + k;
        Beam& bm = beam[r];
        if (bm.log_probability == kDead) continue;
        if (bm.row.done) {
          candidates.push_back(Candidate{r, -1, false, bm.log_probability, bm.chosen});
          continue;
        }
        std::memcpy(logits_row.data(), logits[static_cast<int64_t>(r)].data_ptr<float>(),
                    sizeof(float) * static_cast<size_t>(vocab));
        bm.row.next_tokens(tok, cfg, logits_row.data(), mask.data());
        if (bm.row.out_of_room(cfg)) {
          candidates.push_back(Candidate{r, eos, true, bm.log_probability, bm.chosen});
          continue;
        }
        const auto best = best_tokens(logits_row.data(), mask.data(), vocab, K);
        if (best.empty()) candidates.push_back(Candidate{r, eos, false, bm.log_probability, bm.chosen});
        for (const auto& [t, lp] : best)
          candidates.push_back(Candidate{r, t, false, bm.log_probability + lp, bm.chosen + 1});
      }
      const size_t keep = std::min(K, candidates.size());
      std::stable_sort(candidates.begin(), candidates.end(),
                       [](const Candidate& x, const Candidate& y) { return x.rank() > y.rank(); });
      for (size_t k = 0; k < K; ++k) {
        if (k >= keep) {  // fewer ways on than beams: the slot stays dead
          Beam dead{beam[b * K].row, kDead, 0};
          dead.row.done = true;
          dead.row.push(eos);
          next.push_back(std::move(dead));
          parents.push_back(static_cast<int64_t>(b * K));
          continue;
        }
        const Candidate& c = candidates[k];
        Beam nb{beam[c.parent].row, c.log_probability, c.chosen};
        if (c.token < 0) {
          nb.row.push(eos);  // padding for the batch; removed by result()
        } else {
          if (c.cut) nb.row.end_where_complete(eos);
          nb.row.push(c.token);
          if (c.token == eos) nb.row.done = true;
        }
        all_done = all_done && nb.row.done;
        next.push_back(std::move(nb));
        parents.push_back(static_cast<int64_t>(c.parent));
      }
    }
    beam = std::move(next);
    if (all_done) break;
    // Each beam's cache follows the beam it came from: the filled positions
    // of the rows whose parent is another row ([B, heads, capacity, head_dim]).
    std::vector<int64_t> moved_to, moved_from;
    for (size_t r = 0; r < parents.size(); ++r)
      if (parents[r] != static_cast<int64_t>(r)) {
        moved_to.push_back(static_cast<int64_t>(r));
        moved_from.push_back(parents[r]);
      }
    if (moved_to.empty()) continue;
    const auto to = torch::tensor(moved_to, torch::kLong), from = torch::tensor(moved_from, torch::kLong);
    for (auto* buffers : {&cache.keys, &cache.values}) {
      for (auto& t : *buffers) {
        auto filled = t.narrow(2, 0, cache.length);
        filled.index_copy_(0, to, filled.index_select(0, from));
      }
    }
    for (auto& t : cache.block_inputs)
      if (t.defined()) t.index_copy_(0, to, t.index_select(0, from));
  }
  std::vector<std::vector<int32_t>> out;
  for (size_t b = 0; b < B; ++b) {
    size_t best = b * K;
    for (size_t k = 1; k < K; ++k) {
      const Beam& bm = beam[b * K + k];
      if (bm.log_probability != kDead && bm.rank() > beam[best].rank()) best = b * K + k;
    }
    out.push_back(beam[best].row.result(eos));
    if (mean_log_probability) mean_log_probability->push_back(beam[best].rank());
  }
  return out;
}

}  // namespace emopiano::vae
