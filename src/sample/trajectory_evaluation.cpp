// Evaluating emotion changes within a piece: for each pair of quadrants,
// pieces that switch from the first to the second at a bar, generated in
// batches; the opening and closing bars are cut out, classified and measured
// apart, so a change that the music does not follow shows.
#include <algorithm>
#include <chrono>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "emopiano/error.hpp"
#include "emopiano/evaluation.hpp"

namespace emopiano {

Score score_bars(const Score& score, int first, int last) {
  Score out;
  out.ticks_per_beat = score.ticks_per_beat;
  const int64_t bar = 4 * int64_t{score.ticks_per_beat};
  const int64_t from = first * bar, to = last * bar;
  for (const Note& n : score.notes) {
    if (n.start_tick < from || n.start_tick >= to) continue;
    Note m = n;
    m.start_tick -= from;
    m.end_tick -= from;
    out.notes.push_back(m);
  }
  double bpm = 120.0;
  for (const auto& t : score.tempos) {
    if (t.tick <= from)
      bpm = t.bpm;
    else if (t.tick < to)
      out.tempos.push_back({t.tick - from, 0.0, t.bpm});
  }
  out.tempos.insert(out.tempos.begin(), TempoChange{0, 0.0, bpm});
  bool down = false;
  for (const auto& p : score.pedal) {
    if (p.tick <= from)
      down = p.down;
    else if (p.tick < to)
      out.pedal.push_back({p.tick - from, 0.0, p.down, p.value});
  }
  if (down) out.pedal.insert(out.pedal.begin(), PedalEvent{0, 0.0, true, 127});
  std::optional<KeySignature> key;
  for (const auto& k : score.keys) {
    if (k.tick <= from)
      key = k;
    else if (k.tick < to)
      out.keys.push_back({k.tick - from, k.tonic, k.major});
  }
  if (key) out.keys.insert(out.keys.begin(), KeySignature{0, key->tonic, key->major});
  out.normalize();
  out.update_seconds();
  return out;
}

namespace {

struct SegmentTotals {
  SegmentSummary summary;
  double notes = 0, velocity = 0, major = 0, tempo = 0;
  int64_t velocity_count = 0, pieces = 0;

  void add(const Score& segment, int bars, Quadrant requested, const EmotionClassifier& classifier) {
    summary.accuracy.add(requested, classifier.classify(segment));
    notes += static_cast<double>(segment.notes.size()) / bars;
    for (const Note& n : segment.notes) {
      velocity += n.velocity;
      ++velocity_count;
    }
    major += estimate_key(segment).major ? 1.0 : 0.0;
    // The time-weighted mean over the bars, not the first tempo event: a
    // piece may open with a fast lead-in to its first downbeat.
    tempo += compute_metrics(segment).tempo_bpm;
    ++pieces;
  }
  SegmentSummary finish() const {
    SegmentSummary s = summary;
    if (pieces > 0) {
      s.notes_per_bar = notes / static_cast<double>(pieces);
      s.major_share = major / static_cast<double>(pieces);
      s.tempo_bpm = tempo / static_cast<double>(pieces);
    }
    if (velocity_count > 0) s.velocity = velocity / static_cast<double>(velocity_count);
    return s;
  }
};

nlohmann::json segment_json(const SegmentSummary& s) {
  return {{"accuracy", nlohmann::json::parse(s.accuracy.to_json())},
          {"notes_per_bar", s.notes_per_bar},
          {"velocity", s.velocity},
          {"major_share", s.major_share},
          {"tempo_bpm", s.tempo_bpm}};
}

}  // namespace

namespace {

// The pair's place in the default list (the seeds of every earlier release),
// any other pair after them: a pair draws the same pieces run alone or with others.
int pair_seed_index(Quadrant from, Quadrant to) {
  const TrajectoryEvaluationOptions defaults;
  for (size_t i = 0; i < defaults.pairs.size(); ++i)
    if (defaults.pairs[i] == std::make_pair(from, to)) return static_cast<int>(i);
  return 4 + 4 * static_cast<int>(from) + static_cast<int>(to);
}

}  // namespace

TrajectoryEvaluation evaluate_trajectories(const Model& model, const EmotionClassifier& classifier,
                                           const TrajectoryEvaluationOptions& options) {
  if (options.seeds < 1 || options.batch_size < 1 || options.bars < 2 || options.change_bar < 1 ||
      options.change_bar >= options.bars || options.edge_bars < 1 || options.edge_bars > options.change_bar ||
      options.edge_bars > options.bars - options.change_bar)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("evaluate_trajectories: {} bars with the change at bar {} cannot hold {} bars at each end",
                            options.bars, options.change_bar, options.edge_bars));
  if (options.pairs.empty()) throw Error(ErrorCode::invalid_argument, "evaluate_trajectories: no pair of quadrants");
  for (const auto& [from, to] : options.pairs)
    if (from == to)
      throw Error(ErrorCode::invalid_argument, fmt::format("evaluate_trajectories: {} to {} is no change of emotion",
                                                           quadrant_name(from), quadrant_name(to)));
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  Sampler sampler(model);
  TrajectoryEvaluation out;
  const int64_t total = static_cast<int64_t>(options.pairs.size()) * options.seeds;
  int64_t done = 0;
  for (size_t pair = 0; pair < options.pairs.size(); ++pair) {
    const auto [from, to] = options.pairs[pair];
    SegmentTotals first, last;
    for (int start = 0; start < options.seeds; start += options.batch_size) {
      const int count = std::min(options.batch_size, options.seeds - start);
      GenerationRequest request;
      // The first emotion holds through bar change_bar - 1, the second from change_bar on.
      request.emotion =
          EmotionTrajectory({{0.0, EmotionMix::from_quadrant(from)},
                             {static_cast<double>(options.change_bar - 1), EmotionMix::from_quadrant(from)},
                             {static_cast<double>(options.change_bar), EmotionMix::from_quadrant(to)}});
      request.params = options.params;
      request.params.max_bars = options.bars;
      request.params.stop_at_eos = false;  // every piece runs its full length
      request.params.seed = options.params.seed + static_cast<uint64_t>(pair_seed_index(from, to)) * 1000003u +
                            static_cast<uint64_t>(start);
      request.cancel = options.cancel;
      int index = start;
      for (const GenerationResult& piece : sampler.generate_batch(request, count)) {
        if (options.on_piece) options.on_piece(from, to, index++, piece);
        first.add(score_bars(piece.score, 0, options.edge_bars), options.edge_bars, from, classifier);
        last.add(score_bars(piece.score, options.bars - options.edge_bars, options.bars), options.edge_bars, to,
                 classifier);
        ++done;
      }
      if (options.progress &&
          !options.progress(ProgressInfo{"trajectories", done, total, elapsed(),
                                         fmt::format("{}->{}", quadrant_name(from), quadrant_name(to))}))
        throw Error(ErrorCode::cancelled, "evaluation cancelled");
      if (options.cancel.cancelled()) throw Error(ErrorCode::cancelled, "evaluation cancelled");
    }
    TrajectoryPairEvaluation r;
    r.from = from;
    r.to = to;
    r.pieces = options.seeds;
    r.first = first.finish();
    r.last = last.finish();
    out.pairs.push_back(r);
  }
  out.seconds = elapsed();
  return out;
}

std::string TrajectoryEvaluation::to_json() const {
  nlohmann::json j = {{"seconds", seconds}, {"pairs", nlohmann::json::array()}};
  for (const auto& p : pairs)
    j["pairs"].push_back({{"from", quadrant_name(p.from)},
                          {"to", quadrant_name(p.to)},
                          {"pieces", p.pieces},
                          {"first", segment_json(p.first)},
                          {"last", segment_json(p.last)}});
  return j.dump();
}

}  // namespace emopiano
