#include "emopiano/score.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>

namespace emopiano {

namespace {

constexpr double kDefaultBpm = 120.0;

void add_count(std::string& out, int64_t count, const char* what) {
  if (count == 0) return;
  if (!out.empty()) out += ", ";
  out += what;
  out += ' ';
  out += std::to_string(count);
}

// Seconds per tick at `bpm`; a non-positive tempo falls back to the MIDI default.
double seconds_per_tick(double bpm, int ticks_per_beat) {
  if (!(bpm > 0.0)) bpm = kDefaultBpm;
  return 60.0 / (bpm * ticks_per_beat);
}

}  // namespace

std::string ScoreWarnings::to_string() const {
  std::string out;
  add_count(out, orphan_note_offs, "orphan note-offs");
  add_count(out, retriggered_notes, "retriggered notes");
  add_count(out, unreleased_notes, "unreleased notes");
  add_count(out, zero_length_notes, "zero-length notes");
  add_count(out, drum_notes_skipped, "drum notes skipped");
  add_count(out, invalid_tokens, "invalid tokens");
  return out.empty() ? "none" : out;
}

int64_t Score::end_tick() const noexcept {
  int64_t end = 0;
  for (const auto& n : notes) end = std::max(end, n.end_tick);
  for (const auto& p : pedal) end = std::max(end, p.tick);
  return end;
}

double Score::duration_seconds() const noexcept { return tick_to_seconds(end_tick()); }

double Score::tick_to_seconds(int64_t tick) const noexcept {
  if (ticks_per_beat <= 0) return 0.0;
  // Walk the tempo map from the start (tempo maps are short); ticks before the
  // first tempo change play at the MIDI default of 120 BPM.
  double seconds = 0.0;
  int64_t at = 0;
  double bpm = kDefaultBpm;
  for (const auto& t : tempos) {
    if (t.tick >= tick) break;
    if (t.tick > at) {
      seconds += static_cast<double>(t.tick - at) * seconds_per_tick(bpm, ticks_per_beat);
      at = t.tick;
    }
    bpm = t.bpm;
  }
  return seconds + static_cast<double>(tick - at) * seconds_per_tick(bpm, ticks_per_beat);
}

int64_t Score::seconds_to_tick(double seconds) const noexcept {
  if (ticks_per_beat <= 0 || !(seconds > 0.0)) return 0;
  // The inverse of tick_to_seconds: walk the tempo map to the segment that
  // holds `seconds`, then convert inside it.
  double at_seconds = 0.0;
  int64_t at = 0;
  double bpm = kDefaultBpm;
  for (const auto& t : tempos) {
    if (t.tick > at) {
      const double end = at_seconds + static_cast<double>(t.tick - at) * seconds_per_tick(bpm, ticks_per_beat);
      if (end > seconds) break;
      at_seconds = end;
      at = t.tick;
    }
    bpm = t.bpm;
  }
  const double ticks = (seconds - at_seconds) / seconds_per_tick(bpm, ticks_per_beat);
  if (!(ticks < 9.0e18)) return INT64_MAX;
  return at + static_cast<int64_t>(std::llround(ticks));
}

void Score::update_seconds() {
  if (ticks_per_beat <= 0) return;
  // One pass over the tempo map gives each change its start in seconds; every
  // other time is then a binary search plus one multiplication.
  double seconds = 0.0;
  int64_t at = 0;
  double bpm = kDefaultBpm;
  for (auto& t : tempos) {
    if (t.tick > at) {
      seconds += static_cast<double>(t.tick - at) * seconds_per_tick(bpm, ticks_per_beat);
      at = t.tick;
    }
    t.seconds = seconds;
    bpm = t.bpm;
  }
  auto convert = [&](int64_t tick) {
    auto it = std::upper_bound(tempos.begin(), tempos.end(), tick,
                               [](int64_t v, const TempoChange& t) { return v < t.tick; });
    if (it == tempos.begin()) return static_cast<double>(tick) * seconds_per_tick(kDefaultBpm, ticks_per_beat);
    --it;
    return it->seconds + static_cast<double>(tick - it->tick) * seconds_per_tick(it->bpm, ticks_per_beat);
  };
  for (auto& n : notes) {
    n.start_seconds = convert(n.start_tick);
    n.end_seconds = convert(n.end_tick);
  }
  for (auto& p : pedal) p.seconds = convert(p.tick);
}

void Score::normalize() {
  std::stable_sort(notes.begin(), notes.end(), [](const Note& a, const Note& b) {
    return std::tie(a.start_tick, a.pitch, a.end_tick, a.channel) <
           std::tie(b.start_tick, b.pitch, b.end_tick, b.channel);
  });
  std::stable_sort(pedal.begin(), pedal.end(),
                   [](const PedalEvent& a, const PedalEvent& b) { return a.tick < b.tick; });

  // Tempo and metre: sorted, one entry per tick (the last one written wins, as
  // a player would apply them in order), and always one at tick 0.
  std::stable_sort(tempos.begin(), tempos.end(),
                   [](const TempoChange& a, const TempoChange& b) { return a.tick < b.tick; });
  std::vector<TempoChange> unique_tempos;
  for (const auto& t : tempos) {
    if (!unique_tempos.empty() && unique_tempos.back().tick == t.tick)
      unique_tempos.back() = t;
    else
      unique_tempos.push_back(t);
  }
  if (unique_tempos.empty() || unique_tempos.front().tick > 0)
    unique_tempos.insert(unique_tempos.begin(), TempoChange{0, 0.0, kDefaultBpm});
  tempos = std::move(unique_tempos);

  std::stable_sort(time_signatures.begin(), time_signatures.end(),
                   [](const TimeSignature& a, const TimeSignature& b) { return a.tick < b.tick; });
  std::vector<TimeSignature> unique_signatures;
  for (const auto& s : time_signatures) {
    if (!unique_signatures.empty() && unique_signatures.back().tick == s.tick)
      unique_signatures.back() = s;
    else
      unique_signatures.push_back(s);
  }
  if (unique_signatures.empty() || unique_signatures.front().tick > 0)
    unique_signatures.insert(unique_signatures.begin(), TimeSignature{0, 4, 4});
  time_signatures = std::move(unique_signatures);

  // Keys: sorted, one per tick, and a change that restates the key in force is dropped.
  std::stable_sort(keys.begin(), keys.end(),
                   [](const KeySignature& a, const KeySignature& b) { return a.tick < b.tick; });
  std::vector<KeySignature> unique_keys;
  for (const auto& k : keys) {
    if (!unique_keys.empty() && unique_keys.back().tick == k.tick)
      unique_keys.back() = k;
    else
      unique_keys.push_back(k);
  }
  keys.clear();
  for (const auto& k : unique_keys)
    if (keys.empty() || keys.back().tonic != k.tonic || keys.back().major != k.major) keys.push_back(k);
}

void Score::apply_sustain_pedal() {
  if (pedal.empty() || notes.empty()) return;
  std::vector<PedalEvent> sorted_pedal = pedal;
  std::stable_sort(sorted_pedal.begin(), sorted_pedal.end(),
                   [](const PedalEvent& a, const PedalEvent& b) { return a.tick < b.tick; });
  // A pedal held to the end of the piece releases where the piece ends.
  const int64_t piece_end = end_tick();

  // Next onset of the same key (and channel) after each note: a sustained note
  // stops sounding when its key is struck again.
  std::vector<size_t> order(notes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::tie(notes[a].channel, notes[a].pitch, notes[a].start_tick) <
           std::tie(notes[b].channel, notes[b].pitch, notes[b].start_tick);
  });
  std::vector<int64_t> next_onset(notes.size(), std::numeric_limits<int64_t>::max());
  for (size_t k = 0; k < order.size(); ++k) {
    const Note& n = notes[order[k]];
    for (size_t j = k + 1; j < order.size(); ++j) {
      const Note& m = notes[order[j]];
      if (m.channel != n.channel || m.pitch != n.pitch) break;
      if (m.start_tick > n.start_tick) {
        next_onset[order[k]] = m.start_tick;
        break;
      }
    }
  }

  for (size_t i = 0; i < notes.size(); ++i) {
    Note& n = notes[i];
    // Pedal state at the note-off: the last pedal event at or before it (a pedal
    // pressed on the very tick the key is released still catches the note).
    auto after = std::upper_bound(sorted_pedal.begin(), sorted_pedal.end(), n.end_tick,
                                  [](int64_t t, const PedalEvent& p) { return t < p.tick; });
    if (after == sorted_pedal.begin() || !std::prev(after)->down) continue;
    int64_t release = piece_end;
    for (auto it = after; it != sorted_pedal.end(); ++it) {
      if (!it->down) {
        release = it->tick;
        break;
      }
    }
    release = std::min(release, next_onset[i]);
    if (release > n.end_tick) n.end_tick = release;
  }
  update_seconds();
}

}  // namespace emopiano
