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

// One interpolation path against its ends: F1 to A and to B at each step,
// whether the first never rises and the second never falls, and how many
// middle steps decode to notes with no ill-formed tokens.
struct PathScore {
  std::vector<double> to_a, to_b;
  bool ordered = true;
  int middle = 0, middle_valid = 0;
};

PathScore score_path(const std::vector<const Score*>& path, const std::set<std::pair<int64_t, int>>& want_a,
                     const std::set<std::pair<int64_t, int>>& want_b) {
  PathScore r;
  for (size_t s = 0; s < path.size(); ++s) {
    const auto got = notes_of(*path[s], false);
    r.to_a.push_back(f1(got, want_a));
    r.to_b.push_back(f1(got, want_b));
    if (s > 0 && (r.to_a[s] > r.to_a[s - 1] + 1e-9 || r.to_b[s] + 1e-9 < r.to_b[s - 1])) r.ordered = false;
    if (s > 0 && s + 1 < path.size()) {
      ++r.middle;
      r.middle_valid += !path[s]->notes.empty() && path[s]->warnings.invalid_tokens == 0;
    }
  }
  return r;
}

// Paths added up: how many were monotone, the middle steps, each path's F1s.
struct PathTally {
  int monotone = 0, middle = 0, middle_valid = 0;
  std::vector<std::vector<double>> to_a, to_b;
  void add(PathScore ps) {
    monotone += ps.ordered;
    middle += ps.middle;
    middle_valid += ps.middle_valid;
    to_a.push_back(std::move(ps.to_a));
    to_b.push_back(std::move(ps.to_b));
  }
  double monotone_fraction() const { return to_a.empty() ? 0.0 : static_cast<double>(monotone) / to_a.size(); }
  double valid_fraction() const { return middle == 0 ? 0.0 : static_cast<double>(middle_valid) / middle; }
};

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
                      {"span_segments", span_segments},
                      {"span_f1_to_a", span_f1_to_a},
                      {"span_f1_to_b", span_f1_to_b},
                      {"span_monotone_fraction", span_monotone_fraction},
                      {"span_valid_middle_steps", span_valid_middle_steps},
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
  if (o.pairs < 0 || o.steps < 3 || o.transform_pieces < 0 || o.span_segments < 0)
    throw Error(ErrorCode::invalid_argument,
                "VAE targets: pairs >= 0, steps >= 3, transform_pieces >= 0, span_segments >= 0");
  const auto started = Clock::now();
  const Tokenizer& tok = vae.tokenizer();
  std::vector<const DatasetItem*> pieces;
  for (const DatasetItem* item : dataset.split(split))
    if (item->labelled && item->tokens.size() > 8) pieces.push_back(item);
  VaeTargetEvaluation r;
  SamplingParams greedy;
  greedy.temperature = 0.0f;
  greedy.beams = o.beams;

  // ---- interpolation: the first segments of pieces p and half + p, as the evaluation pairs them
  const int pairs = std::min<int>(o.pairs, static_cast<int>(pieces.size() / 2));
  PathTally paths;
  for (int p = 0; p < pairs; ++p) {
    const DatasetItem* a = pieces[static_cast<size_t>(p)];
    const DatasetItem* b = pieces[pieces.size() / 2 + static_cast<size_t>(p)];
    const Score sa = tok.decode(a->tokens), sb = tok.decode(b->tokens);
    const auto want_a = notes_of(tok.decode(vae.segments(sa, a->label).front()), false);
    const auto want_b = notes_of(tok.decode(vae.segments(sb, b->label).front()), false);
    const auto path = vae.interpolate(sa, EmotionMix::from_quadrant(a->label), sb, EmotionMix::from_quadrant(b->label),
                                      o.steps, Interpolation::spherical, greedy);
    std::vector<const Score*> scores;
    for (const auto& step : path) scores.push_back(&step.score);
    paths.add(score_path(scores, want_a, want_b));
    report(o, "interpolation paths", p + 1, pairs, started);
  }
  r.pairs = pairs;
  r.monotone_fraction = paths.monotone_fraction();
  r.valid_middle_steps = paths.valid_fraction();
  r.f1_to_a = std::move(paths.to_a);
  r.f1_to_b = std::move(paths.to_b);

  // ---- interpolation of spans: the same pairs, their first span_segments segments each
  if (o.span_segments > 0 && pairs > 0) {
    r.span_segments = o.span_segments;
    PathTally spans;
    for (int p = 0; p < pairs; ++p) {
      const DatasetItem* a = pieces[static_cast<size_t>(p)];
      const DatasetItem* b = pieces[pieces.size() / 2 + static_cast<size_t>(p)];
      const Score sa = tok.decode(a->tokens), sb = tok.decode(b->tokens);
      const auto path =
          vae.interpolate_pieces(sa, EmotionMix::from_quadrant(a->label), sb, EmotionMix::from_quadrant(b->label),
                                 o.steps, o.span_segments, Interpolation::spherical, greedy);
      // The ends as many segments long as the path (the shorter piece's
      // count, at most span_segments: interpolate_pieces already cut it).
      const size_t n = path.front().size();
      auto ends = [&](const Score& piece, Quadrant q) {
        auto segs = vae.segments(piece, q);
        segs.resize(n);
        std::vector<VaeSegment> parts;
        for (auto& t : segs) parts.push_back(VaeSegment{std::move(t), {}, {}});
        return notes_of(vae.join(parts), false);
      };
      std::vector<Score> pieces_of_path;
      for (const auto& step : path) pieces_of_path.push_back(vae.join(step));
      std::vector<const Score*> scores;
      for (const auto& piece : pieces_of_path) scores.push_back(&piece);
      spans.add(score_path(scores, ends(sa, a->label), ends(sb, b->label)));
      report(o, "interpolation spans", p + 1, pairs, started);
    }
    r.span_monotone_fraction = spans.monotone_fraction();
    r.span_valid_middle_steps = spans.valid_fraction();
    r.span_f1_to_a = std::move(spans.to_a);
    r.span_f1_to_b = std::move(spans.to_b);
  }

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
