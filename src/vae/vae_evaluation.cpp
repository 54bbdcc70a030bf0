// Evaluating a VAE on a held-out split: reconstruction (teacher forced and
// greedy, as MusicVAE's Table 1), the latent's use (KL, active dimensions),
// interpolation smoothness, and emotion arithmetic judged by the classifier.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <set>
#include <tuple>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/impl_access.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"
#include "vae/segment_batch.hpp"

namespace emopiano {

namespace {

using Clock = std::chrono::steady_clock;
using NoteKey = std::pair<int64_t, int>;  // onset tick, pitch

std::set<NoteKey> note_set(const Score& s) {
  std::set<NoteKey> keys;
  for (const auto& n : s.notes) keys.insert({n.start_tick, n.pitch});
  return keys;
}

double note_f1(const std::set<NoteKey>& got, const std::set<NoteKey>& want) {
  if (got.empty() && want.empty()) return 1.0;
  size_t common = 0;
  for (const auto& k : got) common += want.count(k);
  return got.size() + want.size() > 0
             ? 2.0 * static_cast<double>(common) / static_cast<double>(got.size() + want.size())
             : 0.0;
}

// Overlap of two pieces' pitch histograms: sum over pitches of the smaller share.
double pitch_overlap(const Score& a, const Score& b) {
  if (a.notes.empty() || b.notes.empty()) return a.notes.empty() && b.notes.empty() ? 1.0 : 0.0;
  std::array<double, 128> ha{}, hb{};
  for (const auto& n : a.notes) ha[static_cast<size_t>(n.pitch & 127)] += 1.0 / static_cast<double>(a.notes.size());
  for (const auto& n : b.notes) hb[static_cast<size_t>(n.pitch & 127)] += 1.0 / static_cast<double>(b.notes.size());
  double s = 0;
  for (size_t i = 0; i < 128; ++i) s += std::min(ha[i], hb[i]);
  return s;
}

double note_distance(const std::set<NoteKey>& a, const std::set<NoteKey>& b) {
  if (a.empty() && b.empty()) return 0.0;
  size_t common = 0;
  for (const auto& k : a) common += b.count(k);
  return 1.0 - static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

void report(const VaeEvaluationOptions& o, const char* stage, int64_t done, int64_t total, Clock::time_point started) {
  if (o.cancel.cancelled()) throw Error(ErrorCode::cancelled, "VAE evaluation cancelled");
  if (!o.progress) return;
  ProgressInfo info{stage, done, total, std::chrono::duration<double>(Clock::now() - started).count(), ""};
  if (!o.progress(info)) throw Error(ErrorCode::cancelled, "VAE evaluation cancelled by the progress callback");
}

// Interpolates the first segments of pieces i and i + half (different
// pieces, mostly different quadrants) for the first `pairs` i: each pair's
// note distance of every decoded step to step 0.
std::vector<std::vector<double>> interpolation_distance_paths(const EmotionVae& vae,
                                                              const std::vector<const DatasetItem*>& with_notes,
                                                              int pairs, const VaeEvaluationOptions& o,
                                                              Clock::time_point started) {
  const Tokenizer& tok = vae.tokenizer();
  SamplingParams greedy;
  greedy.temperature = 0.0f;
  greedy.beams = o.beams;
  std::vector<std::vector<double>> paths;
  for (int p = 0; p < pairs; ++p) {
    const DatasetItem* a = with_notes[static_cast<size_t>(p)];
    const DatasetItem* b = with_notes[with_notes.size() / 2 + static_cast<size_t>(p)];
    const auto ea = EmotionMix::from_quadrant(a->label), eb = EmotionMix::from_quadrant(b->label);
    const auto path = vae.interpolate(tok.decode(a->tokens), ea, tok.decode(b->tokens), eb, o.interpolation_steps,
                                      Interpolation::spherical, greedy);
    const auto start = note_set(path.front().score);
    std::vector<double> distances;
    for (const auto& step : path) distances.push_back(note_distance(start, note_set(step.score)));
    paths.push_back(std::move(distances));
    report(o, "interpolate", p + 1, pairs, started);
  }
  return paths;
}

}  // namespace

std::string VaeEvaluation::to_json() const {
  nlohmann::json matrix = nlohmann::json::array();
  for (const auto& row : transform_matrix) matrix.push_back(std::vector<double>(row.begin(), row.end()));
  nlohmann::json j = {{"split", split},
                      {"segments", segments},
                      {"reconstruction", reconstruction},
                      {"teacher_forced_accuracy", teacher_forced_accuracy},
                      {"accuracy_by_kind",
                       [&] {
                         nlohmann::json kinds = nlohmann::json::array();
                         for (const auto& k : accuracy_by_kind)
                           kinds.push_back({{"kind", k.kind}, {"tokens", k.tokens}, {"accuracy", k.accuracy}});
                         return kinds;
                       }()},
                      {"sampled_accuracy", sampled_accuracy},
                      {"sampled_note_f1", sampled_note_f1},
                      {"prior_note_f1", prior_note_f1},
                      {"sampled_pitch_overlap", sampled_pitch_overlap},
                      {"prior_pitch_overlap", prior_pitch_overlap},
                      {"kl", kl},
                      {"active_dimensions", active_dimensions},
                      {"kl_per_dimension", kl_per_dimension},
                      {"interpolation_pairs", interpolation_pairs},
                      {"distance_to_a", distance_to_a},
                      {"monotonic_fraction", monotonic_fraction},
                      {"distance_paths", distance_paths},
                      {"transform_cases", transform_cases},
                      {"transform_success", transform_success},
                      {"condition_only_success", condition_only_success},
                      {"baseline_success", baseline_success},
                      {"transform_matrix", matrix},
                      {"seconds", seconds}};
  return j.dump();
}

VaeEvaluation evaluate_vae(const EmotionVae& vae, const Dataset& dataset, Split split,
                           const EmotionClassifier* classifier, const VaeEvaluationOptions& o) {
  if (o.max_segments < 1 || o.interpolation_pairs < 0 || o.interpolation_steps < 2 || o.transform_pieces < 0)
    throw Error(ErrorCode::invalid_argument,
                "VAE evaluation: max_segments >= 1, interpolation_steps >= 2, counts >= 0");
  const auto started = Clock::now();
  auto& impl = impl_of(vae);
  const Tokenizer& tok = *impl.tokenizer;
  const auto pieces = dataset.split(split);
  if (pieces.empty()) throw Error(ErrorCode::invalid_argument, fmt::format("the {} split is empty", split_name(split)));
  VaeEvaluation r;
  r.split = split_name(split);

  // ---- reconstruction: every segment of the split, up to max_segments, spread over the pieces
  std::vector<std::vector<int32_t>> segments;
  std::vector<Quadrant> labels;
  {
    std::vector<std::vector<std::vector<int32_t>>> per_piece;
    for (const DatasetItem* item : pieces) per_piece.push_back(impl.cutter->all(item->tokens, item->label));
    for (size_t round = 0; static_cast<int>(segments.size()) < o.max_segments; ++round) {
      bool any = false;
      for (size_t p = 0; p < pieces.size() && static_cast<int>(segments.size()) < o.max_segments; ++p) {
        if (round < per_piece[p].size()) {
          segments.push_back(per_piece[p][round]);
          labels.push_back(pieces[p]->label);
          any = true;
        }
      }
      if (!any) break;
    }
  }
  r.segments = static_cast<int64_t>(segments.size());
  auto& net = *impl.net;
  net.eval();
  const int32_t pad = tok.pad_id();
  double rec = 0, kl = 0, sampled_hits = 0, sampled_total = 0, f1 = 0, prior_f1 = 0, overlap = 0, prior_overlap = 0;
  SamplingParams sampling;
  sampling.temperature = o.temperature;
  sampling.seed = o.seed;
  int64_t correct = 0, tokens = 0;
  // The kind of every token id (its name before '_'), for accuracy by kind.
  std::vector<std::string> kinds;
  std::vector<int64_t> kind_of_id(static_cast<size_t>(tok.vocab_size()));
  for (int32_t id = 0; id < tok.vocab_size(); ++id) {
    const std::string name = tok.token_to_string(id);
    const std::string kind = name.substr(0, name.find('_'));
    auto at = std::find(kinds.begin(), kinds.end(), kind);
    if (at == kinds.end()) at = kinds.insert(kinds.end(), kind);
    kind_of_id[static_cast<size_t>(id)] = at - kinds.begin();
  }
  const auto kind_table = torch::tensor(kind_of_id, torch::kLong);
  std::vector<int64_t> kind_tokens(kinds.size()), kind_correct(kinds.size());
  std::vector<torch::Tensor> means, kl_dims;
  const size_t rows = 16;
  SamplingParams greedy;
  greedy.temperature = 0.0f;
  greedy.beams = o.beams;
  for (size_t i = 0; i < segments.size(); i += rows) {
    const size_t end = std::min(segments.size(), i + rows);
    std::vector<std::vector<int32_t>> batch(segments.begin() + std::ptrdiff_t(i),
                                            segments.begin() + std::ptrdiff_t(end));
    std::vector<Quadrant> batch_labels(labels.begin() + std::ptrdiff_t(i), labels.begin() + std::ptrdiff_t(end));
    std::vector<std::vector<float>> z, prior;
    std::vector<EmotionMix> emotions;
    {
      torch::NoGradGuard no_grad;
      vae::SegmentBatch b = vae::make_batch(*impl.cutter, batch, batch_labels, pad);
      vae::Losses l = vae::forward(net, b, /*sample_z=*/false, /*bf16=*/false, pad);
      rec += l.reconstruction.sum().item<double>();
      kl += l.kl.sum().item<double>();
      const auto real = b.targets.ne(pad), hit = l.logits.argmax(-1).eq(b.targets).logical_and(real);
      correct += hit.sum().item<int64_t>();
      const auto kind = kind_table.index({b.targets.to(torch::kLong)});
      for (size_t k = 0; k < kinds.size(); ++k) {
        const auto of_kind = kind.eq(static_cast<int64_t>(k));
        kind_tokens[k] += of_kind.logical_and(real).sum().item<int64_t>();
        kind_correct[k] += of_kind.logical_and(hit).sum().item<int64_t>();
      }
      tokens += b.target_tokens;
      means.push_back(l.mean);
      kl_dims.push_back(l.kl_dims);
      for (int64_t row = 0; row < l.mean.size(0); ++row) {
        auto m = l.mean[row].contiguous();
        z.emplace_back(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
        prior.push_back(vae.sample_latent(1.0f, o.seed * 1000003u + i + static_cast<uint64_t>(row)));
        emotions.push_back(EmotionMix::from_quadrant(batch_labels[static_cast<size_t>(row)]));
      }
    }
    auto decoded = vae.decode(z, emotions, greedy);
    auto from_prior = vae.decode(prior, emotions, greedy);
    auto sampled = vae.decode(z, emotions, sampling);
    auto sampled_prior = vae.decode(prior, emotions, sampling);
    for (size_t k = 0; k < batch.size(); ++k) {
      const auto& want = batch[k];
      const auto& got = decoded[k].tokens;
      // Token by token over the original's length, after BOS and the emotion (MusicVAE's sampled accuracy).
      for (size_t t = 2; t < want.size(); ++t) sampled_hits += (t < got.size() && got[t] == want[t]) ? 1 : 0;
      sampled_total += static_cast<double>(want.size() - 2);
      const auto want_notes = note_set(tok.decode(want));
      f1 += note_f1(note_set(decoded[k].score), want_notes);
      prior_f1 += note_f1(note_set(from_prior[k].score), want_notes);
      const Score original = tok.decode(want);
      overlap += pitch_overlap(sampled[k].score, original);
      prior_overlap += pitch_overlap(sampled_prior[k].score, original);
    }
    report(o, "reconstruct", static_cast<int64_t>(end), static_cast<int64_t>(segments.size()), started);
  }
  const double n = static_cast<double>(std::max<int64_t>(r.segments, 1));
  r.reconstruction = rec / n;
  r.kl = kl / n;
  r.teacher_forced_accuracy = static_cast<double>(correct) / static_cast<double>(std::max<int64_t>(tokens, 1));
  for (size_t k = 0; k < kinds.size(); ++k) {
    if (kind_tokens[k] == 0) continue;
    r.accuracy_by_kind.push_back(
        {kinds[k], kind_tokens[k], static_cast<double>(kind_correct[k]) / static_cast<double>(kind_tokens[k])});
  }
  std::stable_sort(r.accuracy_by_kind.begin(), r.accuracy_by_kind.end(),
                   [](const VaeTokenKindAccuracy& a, const VaeTokenKindAccuracy& b) { return a.tokens > b.tokens; });
  r.sampled_accuracy = sampled_hits / std::max(sampled_total, 1.0);
  r.sampled_note_f1 = f1 / n;
  r.prior_note_f1 = prior_f1 / n;
  r.sampled_pitch_overlap = overlap / n;
  r.prior_pitch_overlap = prior_overlap / n;
  {
    auto all = torch::cat(means, 0);
    r.active_dimensions = static_cast<int>(all.var(0, /*unbiased=*/false).gt(0.01).sum().item<int64_t>());
    auto per_dim = torch::cat(kl_dims, 0).mean(0).to(torch::kDouble).contiguous();
    r.kl_per_dimension.assign(per_dim.data_ptr<double>(), per_dim.data_ptr<double>() + per_dim.numel());
  }

  // ---- interpolation: first segments of pieces i and i + half (different pieces, mostly different quadrants)
  std::vector<const DatasetItem*> with_notes;
  for (const DatasetItem* item : pieces)
    if (item->tokens.size() > 8) with_notes.push_back(item);
  const int pairs = std::min<int>(o.interpolation_pairs, static_cast<int>(with_notes.size() / 2));
  r.distance_paths = interpolation_distance_paths(vae, with_notes, pairs, o, started);
  r.interpolation_pairs = pairs;
  if (pairs > 0) {
    r.distance_to_a.assign(static_cast<size_t>(o.interpolation_steps), 0.0);
    int monotonic = 0;
    for (const auto& path : r.distance_paths) {
      bool rising = true;
      for (size_t s = 0; s < path.size(); ++s) {
        r.distance_to_a[s] += path[s];
        if (s > 0 && path[s] + 1e-9 < path[s - 1]) rising = false;
      }
      monotonic += rising;
    }
    for (auto& d : r.distance_to_a) d /= pairs;
    r.monotonic_fraction = static_cast<double>(monotonic) / pairs;
  }

  // ---- emotion arithmetic, judged by the classifier
  if (classifier && o.transform_pieces > 0 && vae.has_attribute_vectors()) {
    std::array<std::vector<const DatasetItem*>, 4> by_quadrant;
    for (const DatasetItem* item : with_notes)
      if (static_cast<int>(by_quadrant[static_cast<size_t>(item->label)].size()) < o.transform_pieces)
        by_quadrant[static_cast<size_t>(item->label)].push_back(item);
    int total = 0, done = 0;
    for (const auto& q : by_quadrant) total += static_cast<int>(q.size()) * 3;
    std::array<std::array<int, 4>, 4> hits{}, cases{};
    int with_vector = 0, condition_only = 0, baseline = 0;
    SamplingParams params;
    params.temperature = 0.0f;
    params.beams = o.beams;
    for (int from = 0; from < 4; ++from) {
      for (const DatasetItem* item : by_quadrant[static_cast<size_t>(from)]) {
        const Score original = tok.decode(item->tokens);
        const EmotionPrediction before = classifier->classify(original);
        for (int to = 0; to < 4; ++to) {
          if (to == from) continue;
          const Quadrant qf = Quadrant(from), qt = Quadrant(to);
          const bool moved =
              classifier->classify(vae.transform(original, qf, qt, o.transform_strength, params)).quadrant == qt;
          const bool moved_by_condition =
              classifier->classify(vae.transform(original, qf, qt, 0.0f, params)).quadrant == qt;
          with_vector += moved;
          condition_only += moved_by_condition;
          baseline += before.quadrant == qt;
          hits[static_cast<size_t>(from)][static_cast<size_t>(to)] += moved;
          cases[static_cast<size_t>(from)][static_cast<size_t>(to)] += 1;
          report(o, "transform", ++done, total, started);
        }
      }
    }
    r.transform_cases = done;
    if (done > 0) {
      r.transform_success = static_cast<double>(with_vector) / done;
      r.condition_only_success = static_cast<double>(condition_only) / done;
      r.baseline_success = static_cast<double>(baseline) / done;
      for (size_t f = 0; f < 4; ++f)
        for (size_t t = 0; t < 4; ++t)
          r.transform_matrix[f][t] = cases[f][t] ? static_cast<double>(hits[f][t]) / cases[f][t] : 0.0;
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return r;
}

}  // namespace emopiano
