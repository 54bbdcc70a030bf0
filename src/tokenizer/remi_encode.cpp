// Score -> REMI ids. Every event is placed on the grid cell BarGrid gives it;
// a cell's tokens come out in the order the grammar demands.
#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include <fmt/core.h>

#include "emopiano/beats.hpp"
#include "emopiano/error.hpp"
#include "emopiano/metrics.hpp"
#include "tokenizer/bar_grid.hpp"
#include "tokenizer/chord_detection.hpp"
#include "tokenizer/remi_tokenizer.hpp"

namespace emopiano::tokenizer {

namespace {

// Longer scores are refused rather than laid out bar by bar (a corrupt tick
// value must not make the encoder allocate millions of bars).
constexpr int64_t kMaxBeats = int64_t{1} << 22;

struct CellKey {
  int32_t bar, position;
  bool operator<(const CellKey& o) const { return bar != o.bar ? bar < o.bar : position < o.position; }
  bool operator==(const CellKey& o) const { return bar == o.bar && position == o.position; }
};

struct CellNote {
  int velocity_bin;
  int duration_bin;
};

struct CellEvents {
  int tempo_bin = -1;
  int pedal = -1;                 // 1 = down, 0 = up, -1 = no change
  std::map<int, CellNote> notes;  // by pitch: ascending, one per pitch
};

// Keeps, of a run of state changes (already in time order), the ones that
// still change the state after collapsing each grid cell to its last value.
// Returns the kept (cell, value) pairs; `dropped` counts the rest.
std::vector<std::pair<CellKey, int>> collapse_changes(const std::vector<std::pair<CellKey, int>>& changes, int initial,
                                                      int64_t& dropped) {
  std::vector<std::pair<CellKey, int>> last_per_cell;
  for (const auto& c : changes) {
    if (!last_per_cell.empty() && last_per_cell.back().first == c.first) {
      last_per_cell.back().second = c.second;
      ++dropped;
    } else {
      last_per_cell.push_back(c);
    }
  }
  std::vector<std::pair<CellKey, int>> kept;
  int state = initial;
  for (const auto& c : last_per_cell) {
    if (c.second == state) {
      ++dropped;
      continue;
    }
    kept.push_back(c);
    state = c.second;
  }
  return kept;
}

}  // namespace

std::vector<int32_t> RemiTokenizer::encode(const Score& input, std::optional<Quadrant> emotion,
                                           EncodeStats* stats_out) const {
  const RemiVocabulary& v = *vocab_;
  const TokenizerConfig& c = v.config();
  // The grid the tokens follow: a performance at a nominal tempo is first
  // written onto its tracked beats, so that Bar and Position mean bar and beat.
  std::optional<Score> retimed;
  if (c.grid == "tracked" || (c.grid == "auto" && is_unaligned(input))) retimed = retime(input, track_beats(input));
  const Score& score = retimed ? *retimed : input;
  if (score.ticks_per_beat <= 0)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("encode: ticks_per_beat must be positive, got {}", score.ticks_per_beat));
  const int64_t tpb = score.ticks_per_beat;
  const int64_t ppb = c.positions_per_beat;

  EncodeStats stats;
  stats.notes_in = static_cast<int64_t>(score.notes.size());

  int64_t last_tick = 0;
  for (const auto& n : score.notes) last_tick = std::max(last_tick, n.start_tick);
  if (c.use_pedal)
    for (const auto& p : score.pedal) last_tick = std::max(last_tick, p.tick);
  if (c.use_tempo)
    for (const auto& t : score.tempos) last_tick = std::max(last_tick, t.tick);
  if (last_tick / tpb > kMaxBeats)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("encode: score too long ({} beats; at most {})", last_tick / tpb, kMaxBeats));

  BarGrid grid(score, v, last_tick);
  auto key_of = [&](int64_t tick) {
    GridCell g = grid.locate(tick);
    return CellKey{g.bar, g.position};
  };
  std::map<CellKey, CellEvents> cells;

  if (c.use_tempo) {
    std::vector<TempoChange> tempos = score.tempos;
    std::stable_sort(tempos.begin(), tempos.end(),
                     [](const TempoChange& a, const TempoChange& b) { return a.tick < b.tick; });
    // The tempo in force at tick 0 always opens the piece (120 BPM, the MIDI
    // default, when the score sets none there).
    std::vector<std::pair<CellKey, int>> changes{{CellKey{0, 0}, v.tempo_bin(120.0)}};
    for (const auto& t : tempos) changes.push_back({key_of(t.tick), v.tempo_bin(t.bpm)});
    int64_t dropped = 0;
    auto kept = collapse_changes(changes, -1, dropped);
    // The opening placeholder is not a score event: do not count it.
    if (!tempos.empty() && key_of(tempos.front().tick) == CellKey{0, 0}) --dropped;
    stats.tempo_events_dropped = dropped;
    for (const auto& [cell, bin] : kept) cells[cell].tempo_bin = bin;
  }

  if (c.use_pedal) {
    std::vector<PedalEvent> pedal = score.pedal;
    std::stable_sort(pedal.begin(), pedal.end(),
                     [](const PedalEvent& a, const PedalEvent& b) { return a.tick < b.tick; });
    std::vector<std::pair<CellKey, int>> changes;
    for (const auto& p : pedal) changes.push_back({key_of(p.tick), p.down ? 1 : 0});
    auto kept = collapse_changes(changes, 0, stats.pedal_events_dropped);
    for (const auto& [cell, down] : kept) cells[cell].pedal = down;
  }

  for (const auto& n : score.notes) {
    if (n.pitch < c.pitch_min || n.pitch > c.pitch_max) {
      ++stats.pitch_out_of_range;
      continue;
    }
    GridCell g = grid.locate(n.start_tick);
    if (g.clamped) ++stats.onsets_clamped;
    int64_t length = std::max<int64_t>(0, n.end_tick - n.start_tick);
    int64_t steps = std::max<int64_t>(1, (2 * length * ppb + tpb) / (2 * tpb));
    if (steps > c.max_duration_steps) ++stats.durations_clipped;
    CellNote note{v.velocity_bin(n.velocity),
                  v.duration_bin(static_cast<int>(std::min<int64_t>(steps, c.max_duration_steps)))};
    auto& notes = cells[CellKey{g.bar, g.position}].notes;
    auto [it, inserted] = notes.emplace(n.pitch, note);
    if (!inserted) {
      // The same key struck twice in one grid cell is one note to the grid:
      // keep the louder velocity and the longer duration.
      ++stats.notes_merged;
      it->second.velocity_bin = std::max(it->second.velocity_bin, note.velocity_bin);
      it->second.duration_bin = std::max(it->second.duration_bin, note.duration_bin);
    }
  }

  // Keys: the score's key signatures, or one estimated from its notes. The
  // first holds from the start; a change takes effect at the nearest bar line.
  std::map<int32_t, int> key_at_bar;
  int opening_key = -1;
  if (c.use_key) {
    std::vector<KeySignature> keys = score.keys;
    std::stable_sort(keys.begin(), keys.end(),
                     [](const KeySignature& a, const KeySignature& b) { return a.tick < b.tick; });
    if (keys.empty()) {
      const KeyEstimate e = estimate_key(score);
      keys.push_back({0, e.tonic, e.major});
    }
    opening_key = key_index(MusicalKey{keys.front().tonic, keys.front().major});
    for (size_t i = 1; i < keys.size() && keys[i].tick <= last_tick; ++i) {
      GridCell g = grid.locate(std::max<int64_t>(0, keys[i].tick));
      const int positions = v.metres()[static_cast<size_t>(grid.metre(g.bar))].positions;
      const int32_t bar = g.bar + (2 * g.position >= positions ? 1 : 0);
      const int k = key_index(MusicalKey{keys[i].tonic, keys[i].major});
      if (bar == 0)
        opening_key = k;
      else
        key_at_bar[bar] = k;
    }
  }

  std::vector<int32_t> ids;
  ids.reserve(3 + cells.size() * 4 + score.notes.size() * 3);
  ids.push_back(v.bos());
  if (emotion && c.emotion_token) ids.push_back(emotion_id(*emotion));
  if (opening_key >= 0) ids.push_back(v.key.begin + opening_key);
  int current_key = opening_key;
  const int32_t bars = cells.empty() ? 0 : cells.rbegin()->first.bar + 1;
  auto cell_it = cells.begin();
  for (int32_t b = 0; b < bars; ++b) {
    ids.push_back(v.bar());
    // The metre is stated at the first bar and wherever it changes.
    if (c.use_time_signature && (b == 0 || grid.metre(b) != grid.metre(b - 1)))
      ids.push_back(v.time_signature.begin + grid.metre(b));
    if (auto k = key_at_bar.find(b); k != key_at_bar.end() && b > 0 && k->second != current_key) {
      ids.push_back(v.key.begin + k->second);
      current_key = k->second;
    }
    for (; cell_it != cells.end() && cell_it->first.bar == b; ++cell_it) {
      const CellEvents& e = cell_it->second;
      ids.push_back(v.position.begin + cell_it->first.position);
      if (e.tempo_bin >= 0) ids.push_back(v.tempo.begin + e.tempo_bin);
      if (e.pedal >= 0) ids.push_back(e.pedal ? v.pedal_on() : v.pedal_off());
      if (c.use_chords && !e.notes.empty()) {
        std::vector<int> pitches;
        for (const auto& [pitch, note] : e.notes) pitches.push_back(pitch);
        if (auto chord = detect_chord(pitches)) ids.push_back(v.chord.begin + *chord);
      }
      for (const auto& [pitch, note] : e.notes) {
        ids.push_back(v.pitch.begin + (pitch - c.pitch_min));
        ids.push_back(v.velocity.begin + note.velocity_bin);
        ids.push_back(v.duration.begin + note.duration_bin);
        ++stats.notes_encoded;
      }
    }
  }
  ids.push_back(v.eos());
  if (stats_out) *stats_out = stats;
  return ids;
}

}  // namespace emopiano::tokenizer
