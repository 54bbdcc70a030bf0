// The VAE's targets on a held-out split: monotone interpolation paths and
// transforms that keep the piece (docs/vae.md, "Targets").
#include "emopiano/vae_targets.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <set>
#include <utility>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"

namespace emopiano {

namespace {

using Clock = std::chrono::steady_clock;

// A note as the targets count it: onset tick and pitch (or pitch class).
std::set<std::pair<int64_t, int>> notes_of(const Score& s, bool pitch_class) {
  std::set<std::pair<int64_t, int>> keys;
  for (const auto& n : s.notes) keys.insert({n.start_tick, pitch_class ? n.pitch % 12 : n.pitch});
  return keys;
}

double f1(const std::set<std::pair<int64_t, int>>& got, const std::set<std::pair<int64_t, int>>& want) {
  if (got.empty() && want.empty()) return 1.0;
  size_t common = 0;
  for (const auto& k : got) common += want.count(k);
  return 2.0 * static_cast<double>(common) / static_cast<double>(got.size() + want.size());
}

void report(const VaeTargetOptions& o, const char* stage, int64_t done, int64_t total, Clock::time_point started) {
  if (o.cancel.cancelled()) throw Error(ErrorCode::cancelled, "VAE target evaluation cancelled");
  if (!o.progress) return;
  ProgressInfo info{stage, done, total, std::chrono::duration<double>(Clock::now() - started).count(), ""};
  if (!o.progress(info)) throw Error(ErrorCode::cancelled, "VAE target evaluation cancelled by the progress callback");
}

}  // namespace

std::string VaeTargetEvaluation::to_json() const {
  nlohmann::json j = {{"pairs", pairs},
                      {"f1_to_a", f1_to_a},
                      {"f1_to_b", f1_to_b},
                      {"monotone_fraction", monotone_fraction},
                      {"valid_middle_steps", valid_middle_steps},
                      {"transform_cases", transform_cases},
                      {"kept_notes", kept_notes},
                      {"moved_toward_target", moved_toward_target},
                      {"target_probability_before", target_probability_before},
                      {"target_probability_after", target_probability_after},
                      {"seconds", seconds}};
  return j.dump();
}

VaeTargetEvaluation evaluate_vae_targets(const EmotionVae& vae, const Dataset& dataset, Split split,
                                         const EmotionClassifier* classifier, const VaeTargetOptions& o) {
  if (o.pairs < 0 || o.steps < 3 || o.transform_pieces < 0)
    throw Error(ErrorCode::invalid_argument, "VAE targets: pairs >= 0, steps >= 3, transform_pieces >= 0");
  const auto started = Clock::now();
  const Tokenizer& tok = vae.tokenizer();
  std::vector<const DatasetItem*> pieces;
  for (const DatasetItem* item : dataset.split(split))
    if (item->labelled && item->tokens.size() > 8) pieces.push_back(item);
  VaeTargetEvaluation r;
  SamplingParams greedy;
  greedy.temperature = 0.0f;

  // ---- interpolation: the first segments of pieces p and half + p, as the evaluation pairs them
  const int pairs = std::min<int>(o.pairs, static_cast<int>(pieces.size() / 2));
  int monotone = 0, middle_valid = 0, middle = 0;
  for (int p = 0; p < pairs; ++p) {
    const DatasetItem* a = pieces[static_cast<size_t>(p)];
    const DatasetItem* b = pieces[pieces.size() / 2 + static_cast<size_t>(p)];
    const Score sa = tok.decode(a->tokens), sb = tok.decode(b->tokens);
    const auto want_a = notes_of(tok.decode(vae.segments(sa, a->label).front()), false);
    const auto want_b = notes_of(tok.decode(vae.segments(sb, b->label).front()), false);
    const auto path = vae.interpolate(sa, EmotionMix::from_quadrant(a->label), sb, EmotionMix::from_quadrant(b->label),
                                      o.steps, Interpolation::spherical, greedy);
    std::vector<double> to_a, to_b;
    bool ordered = true;
    for (size_t s = 0; s < path.size(); ++s) {
      const auto got = notes_of(path[s].score, false);
      to_a.push_back(f1(got, want_a));
      to_b.push_back(f1(got, want_b));
      if (s > 0 && (to_a[s] > to_a[s - 1] + 1e-9 || to_b[s] + 1e-9 < to_b[s - 1])) ordered = false;
      if (s > 0 && s + 1 < path.size()) {
        ++middle;
        middle_valid += !path[s].score.notes.empty() && path[s].score.warnings.invalid_tokens == 0;
      }
    }
    monotone += ordered;
    r.f1_to_a.push_back(std::move(to_a));
    r.f1_to_b.push_back(std::move(to_b));
    report(o, "interpolation paths", p + 1, pairs, started);
  }
  r.pairs = pairs;
  if (pairs > 0) r.monotone_fraction = static_cast<double>(monotone) / pairs;
  if (middle > 0) r.valid_middle_steps = static_cast<double>(middle_valid) / middle;

  // ---- transform: kept notes, and the classifier's view against the input's
  if (o.transform_pieces > 0 && vae.has_attribute_vectors()) {
    std::array<std::vector<const DatasetItem*>, 4> by_quadrant;
    for (const DatasetItem* item : pieces)
      if (static_cast<int>(by_quadrant[static_cast<size_t>(item->label)].size()) < o.transform_pieces)
        by_quadrant[static_cast<size_t>(item->label)].push_back(item);
    // Quadrants the model has a mean latent for (it saw training segments of them).
    std::array<bool, 4> known{};
    for (int q = 0; q < 4; ++q) {
      try {
        vae.attribute_vector(Quadrant(q), Quadrant(q));
        known[static_cast<size_t>(q)] = true;
      } catch (const Error&) {
      }
    }
    int total = 0, moved = 0, targets = 0;
    for (bool k : known) targets += k;
    for (int q = 0; q < 4; ++q)
      if (known[static_cast<size_t>(q)])
        total += static_cast<int>(by_quadrant[static_cast<size_t>(q)].size()) * (targets - 1);
    double kept = 0, before = 0, after = 0;
    for (int from = 0; from < 4; ++from) {
      if (!known[static_cast<size_t>(from)]) continue;
      for (const DatasetItem* item : by_quadrant[static_cast<size_t>(from)]) {
        const Score original = tok.decode(item->tokens);
        const auto want = notes_of(original, true);
        std::array<double, 4> p_before{};
        if (classifier) p_before = classifier->classify(original).probabilities;
        for (int to = 0; to < 4; ++to) {
          if (to == from || !known[static_cast<size_t>(to)]) continue;
          const Score out = vae.transform(original, Quadrant(from), Quadrant(to), o.strength, greedy);
          const auto got = notes_of(out, true);
          size_t common = 0;
          for (const auto& k : want) common += got.count(k);
          kept += want.empty() ? 1.0 : static_cast<double>(common) / static_cast<double>(want.size());
          if (classifier) {
            const double pa = classifier->classify(out).probabilities[static_cast<size_t>(to)];
            const double pb = p_before[static_cast<size_t>(to)];
            moved += pa > pb;
            before += pb;
            after += pa;
          }
          ++r.transform_cases;
          report(o, "transform kept notes", r.transform_cases, total, started);
        }
      }
    }
    if (r.transform_cases > 0) {
      const double n = r.transform_cases;
      r.kept_notes = kept / n;
      if (classifier) {
        r.moved_toward_target = moved / n;
        r.target_probability_before = before / n;
        r.target_probability_after = after / n;
      }
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return r;
}

}  // namespace emopiano
