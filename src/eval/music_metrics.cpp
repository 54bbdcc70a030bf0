// Objective metrics of one score. Time-based measures (polyphony, empty
// beats) are exact over ticks, as MusPy's piano roll at the file's resolution
// is; groove consistency uses an onset grid, as the Jazz Transformer paper does.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "emopiano/metrics.hpp"

namespace emopiano {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double entropy_bits(const double* counts, int n) {
  double total = 0;
  for (int i = 0; i < n; ++i) total += counts[i];
  if (total <= 0) return kNaN;
  double h = 0;
  for (int i = 0; i < n; ++i) {
    if (counts[i] > 0) {
      double p = counts[i] / total;
      h -= p * std::log2(p);
    }
  }
  return h;
}

int64_t bar_ticks_of(const Score& s) {
  int num = 4, den = 4;
  if (!s.time_signatures.empty()) {
    num = s.time_signatures.front().numerator;
    den = s.time_signatures.front().denominator;
  }
  int64_t t = static_cast<int64_t>(s.ticks_per_beat) * num * 4 / std::max(1, den);
  return std::max<int64_t>(1, t);
}

// Polyphony: sweep note starts and ends, counting distinct sounding pitches.
void polyphony_measures(const Score& s, int64_t end_tick, int threshold, double* polyphony, double* rate) {
  std::map<int64_t, std::vector<std::pair<int, int>>> events;  // tick -> (pitch, +1/-1)
  for (const Note& n : s.notes) {
    int64_t e = std::max(n.end_tick, n.start_tick + 1);
    events[n.start_tick].push_back({n.pitch, +1});
    events[e].push_back({n.pitch, -1});
  }
  int active[128] = {};
  int distinct = 0;
  int64_t prev = 0, sounding_time = 0, above_time = 0;
  double weighted = 0;
  for (const auto& [tick, changes] : events) {
    int64_t dt = tick - prev;
    if (distinct > 0) {
      sounding_time += dt;
      weighted += static_cast<double>(distinct) * dt;
    }
    if (distinct > threshold) above_time += dt;
    for (auto [pitch, delta] : changes) {
      int before = active[pitch];
      active[pitch] += delta;
      if (before == 0 && active[pitch] > 0) ++distinct;
      if (before > 0 && active[pitch] == 0) --distinct;
    }
    prev = tick;
  }
  *polyphony = sounding_time > 0 ? weighted / sounding_time : kNaN;
  *rate = end_tick > 0 ? static_cast<double>(above_time) / end_tick : kNaN;
}

double scale_consistency_of(const Score& s) {
  if (s.notes.empty()) return kNaN;
  static constexpr int kMajor[12] = {1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1};
  static constexpr int kMinor[12] = {1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0};  // natural minor
  int pc_count[12] = {};
  for (const Note& n : s.notes) ++pc_count[n.pitch % 12];
  int best = 0;
  for (int root = 0; root < 12; ++root) {
    for (const int* mask : {kMajor, kMinor}) {
      int in = 0;
      for (int pc = 0; pc < 12; ++pc)
        if (mask[(pc - root + 12) % 12]) in += pc_count[pc];
      best = std::max(best, in);
    }
  }
  return static_cast<double>(best) / s.notes.size();
}

double groove_consistency_of(const Score& s, int64_t bar_ticks, int64_t bars, int steps_per_beat) {
  if (bars < 2 || s.notes.empty()) return kNaN;
  double step = static_cast<double>(s.ticks_per_beat) / std::max(1, steps_per_beat);
  int64_t q = std::max<int64_t>(1, std::llround(bar_ticks / step));
  std::vector<std::vector<uint8_t>> grid(bars, std::vector<uint8_t>(q, 0));
  for (const Note& n : s.notes) {
    int64_t bar = n.start_tick / bar_ticks;
    int64_t pos = std::min<int64_t>(q - 1, static_cast<int64_t>((n.start_tick - bar * bar_ticks) / step));
    if (bar < bars) grid[bar][pos] = 1;
  }
  double sum = 0;
  for (int64_t b = 0; b + 1 < bars; ++b) {
    int64_t d = 0;
    for (int64_t p = 0; p < q; ++p) d += grid[b][p] != grid[b + 1][p];
    sum += static_cast<double>(d) / q;
  }
  return 1.0 - sum / (bars - 1);
}

double empty_beat_rate_of(const Score& s, int64_t end_tick) {
  int64_t tpb = std::max(1, s.ticks_per_beat);
  int64_t beats = (end_tick + tpb - 1) / tpb;
  if (beats <= 0) return kNaN;
  std::vector<uint8_t> sounding(beats, 0);
  for (const Note& n : s.notes) {
    int64_t first = n.start_tick / tpb;
    int64_t last = (std::max(n.end_tick, n.start_tick + 1) - 1) / tpb;
    for (int64_t b = first; b <= last && b < beats; ++b) sounding[b] = 1;
  }
  int64_t empty = std::count(sounding.begin(), sounding.end(), 0);
  return static_cast<double>(empty) / beats;
}

double mean_tempo(const Score& s, int64_t end_tick) {
  if (s.tempos.empty()) return 120.0;
  if (end_tick <= 0) return s.tempos.front().bpm;
  double weighted = 0;
  for (size_t i = 0; i < s.tempos.size(); ++i) {
    int64_t a = std::min(end_tick, s.tempos[i].tick);
    int64_t b = i + 1 < s.tempos.size() ? std::min(end_tick, s.tempos[i + 1].tick) : end_tick;
    if (i == 0) a = 0;
    if (b > a) weighted += s.tempos[i].bpm * (b - a);
  }
  return weighted / end_tick;
}

// Visits every numeric field with its name, so JSON and summaries list the
// same fields in the same order.
template <typename M, typename F>
void for_each_field(M& m, F&& f) {
  f("notes", m.notes);
  f("duration_seconds", m.duration_seconds);
  f("bars", m.bars);
  f("pitch_range", m.pitch_range);
  f("pitches_used", m.pitches_used);
  f("pitch_classes_used", m.pitch_classes_used);
  f("polyphony", m.polyphony);
  f("polyphony_rate", m.polyphony_rate);
  f("pitch_entropy", m.pitch_entropy);
  f("pitch_class_entropy", m.pitch_class_entropy);
  f("scale_consistency", m.scale_consistency);
  f("groove_consistency", m.groove_consistency);
  f("empty_beat_rate", m.empty_beat_rate);
  f("notes_per_second", m.notes_per_second);
  f("notes_per_bar", m.notes_per_bar);
  f("velocity_mean", m.velocity_mean);
  f("velocity_std", m.velocity_std);
  f("note_duration_mean_seconds", m.note_duration_mean_seconds);
  f("tempo_bpm", m.tempo_bpm);
}

nlohmann::json fields_json(const MusicMetrics& m) {
  nlohmann::json j;
  for_each_field(m, [&](const char* name, const auto& v) {
    double d = static_cast<double>(v);
    if (std::isfinite(d))
      j[name] = v;
    else
      j[name] = nullptr;
  });
  return j;
}

}  // namespace

MusicMetrics compute_metrics(const Score& score, const MetricsOptions& options) {
  MusicMetrics m;
  const auto& notes = score.notes;
  m.notes = static_cast<int64_t>(notes.size());
  int64_t end_tick = 0;
  double end_seconds = 0;
  for (const Note& n : notes) {
    end_tick = std::max(end_tick, n.end_tick);
    end_seconds = std::max(end_seconds, n.end_seconds);
  }
  m.duration_seconds = end_seconds;
  int64_t bar_ticks = bar_ticks_of(score);
  m.bars = (end_tick + bar_ticks - 1) / bar_ticks;
  m.tempo_bpm = mean_tempo(score, end_tick);
  m.key = estimate_key(score);
  if (notes.empty()) {
    for_each_field(m, [](const char* name, auto& v) {
      using T = std::decay_t<decltype(v)>;
      if constexpr (std::is_floating_point_v<T>) {
        if (std::string(name) != "tempo_bpm") v = kNaN;
      }
    });
    m.duration_seconds = 0;
    return m;
  }

  int lo = 127, hi = 0;
  double pitch_counts[128] = {}, pc_counts[12] = {};
  double vel_sum = 0, vel_sq = 0, dur_sum = 0;
  for (const Note& n : notes) {
    lo = std::min(lo, n.pitch);
    hi = std::max(hi, n.pitch);
    pitch_counts[n.pitch] += 1;
    pc_counts[n.pitch % 12] += 1;
    vel_sum += n.velocity;
    vel_sq += static_cast<double>(n.velocity) * n.velocity;
    dur_sum += n.end_seconds - n.start_seconds;
  }
  double count = static_cast<double>(notes.size());
  m.pitch_range = hi - lo;
  m.pitches_used =
      static_cast<int>(std::count_if(std::begin(pitch_counts), std::end(pitch_counts), [](double c) { return c > 0; }));
  m.pitch_classes_used =
      static_cast<int>(std::count_if(std::begin(pc_counts), std::end(pc_counts), [](double c) { return c > 0; }));
  m.pitch_entropy = entropy_bits(pitch_counts, 128);
  m.pitch_class_entropy = entropy_bits(pc_counts, 12);
  polyphony_measures(score, end_tick, options.polyphony_threshold, &m.polyphony, &m.polyphony_rate);
  m.scale_consistency = scale_consistency_of(score);
  m.groove_consistency = groove_consistency_of(score, bar_ticks, m.bars, options.groove_steps_per_beat);
  m.empty_beat_rate = empty_beat_rate_of(score, end_tick);
  m.notes_per_second = end_seconds > 0 ? count / end_seconds : kNaN;
  m.notes_per_bar = m.bars > 0 ? count / m.bars : kNaN;
  m.velocity_mean = vel_sum / count;
  m.velocity_std = std::sqrt(std::max(0.0, vel_sq / count - m.velocity_mean * m.velocity_mean));
  m.note_duration_mean_seconds = dur_sum / count;
  return m;
}

std::string MusicMetrics::to_json() const {
  nlohmann::json j = fields_json(*this);
  j["key"] = key.name();
  j["key_correlation"] = key.correlation;
  return j.dump();
}

MetricsSummary summarize_metrics(const std::vector<MusicMetrics>& pieces) {
  MetricsSummary s;
  s.pieces = static_cast<int64_t>(pieces.size());
  if (pieces.empty()) return s;
  // Means and standard deviations field by field, skipping undefined (NaN) values.
  std::vector<std::pair<double, double>> acc;  // sum, sum of squares
  std::vector<int64_t> n;
  for (const auto& p : pieces) {
    size_t i = 0;
    for_each_field(p, [&](const char*, const auto& v) {
      if (acc.size() <= i) {
        acc.emplace_back(0.0, 0.0);
        n.push_back(0);
      }
      double d = static_cast<double>(v);
      if (std::isfinite(d)) {
        acc[i].first += d;
        acc[i].second += d * d;
        ++n[i];
      }
      ++i;
    });
  }
  size_t i = 0;
  for_each_field(pieces.front(), [&](const char* name, const auto&) {
    double mean = n[i] ? acc[i].first / n[i] : kNaN;
    double var = n[i] ? std::max(0.0, acc[i].second / n[i] - mean * mean) : kNaN;
    s.mean[name] = mean;
    s.stddev[name] = std::sqrt(var);
    ++i;
  });
  int64_t majors = 0;
  for (const auto& p : pieces) majors += p.key.major ? 1 : 0;
  s.major_share = static_cast<double>(majors) / pieces.size();
  return s;
}

std::string MetricsSummary::to_json() const {
  nlohmann::json j;
  j["pieces"] = pieces;
  auto finite_or_null = [](const std::map<std::string, double>& m) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [k, v] : m) o[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
    return o;
  };
  j["mean"] = finite_or_null(mean);
  j["stddev"] = finite_or_null(stddev);
  j["major_share"] = major_share;
  return j.dump();
}

}  // namespace emopiano
