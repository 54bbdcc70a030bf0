// track_beats: the onset envelope, its local tempo, the beats at the pulse
// level that suits the notes best, the bars on the beats.
// Also the BeatMap's JSON and the options' checks.
#include <algorithm>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "beat/beat_level.hpp"
#include "beat/beat_tracker.hpp"
#include "beat/downbeat.hpp"
#include "beat/onset_envelope.hpp"
#include "beat/tempo_estimate.hpp"
#include "emopiano/beats.hpp"
#include "emopiano/error.hpp"

namespace emopiano {

namespace {

constexpr double kMaxTrackedSeconds = 6 * 3600.0;

}  // namespace

void BeatTrackingOptions::validate() const {
  auto bad = [](const std::string& what) {
    throw Error(ErrorCode::invalid_argument, "beat tracking options: " + what);
  };
  if (!(min_bpm >= 10.0) || !(max_bpm <= 1000.0) || !(min_bpm * 1.5 <= max_bpm))
    bad(fmt::format("tempo range [{}, {}] must satisfy 10 <= min_bpm, 1.5 min_bpm <= max_bpm <= 1000", min_bpm,
                    max_bpm));
  if (!(prior_bpm > 0.0) || !(prior_octaves > 0.0))
    bad(fmt::format("prior_bpm {} and prior_octaves {} must be positive", prior_bpm, prior_octaves));
  if (!(tightness >= 0.0) || tightness > 1e6) bad(fmt::format("tightness {} must be in [0, 1e6]", tightness));
  if (metre != 0 && (metre < 2 || metre > 12)) bad(fmt::format("metre {} must be 0 (detect) or 2..12", metre));
}

std::vector<double> BeatMap::downbeat_times() const {
  std::vector<double> out;
  for (int i : downbeats)
    if (i >= 0 && static_cast<size_t>(i) < beats.size()) out.push_back(beats[static_cast<size_t>(i)]);
  return out;
}

std::string BeatMap::to_json() const {
  nlohmann::ordered_json j;
  j["metre"] = metre;
  j["pickup_beats"] = pickup_beats;
  j["beats"] = beats;
  j["bpm"] = bpm;
  j["downbeats"] = downbeats;
  return j.dump();
}

BeatMap track_beats(const Score& input, const BeatTrackingOptions& options) {
  options.validate();
  // Hand-made scores may carry ticks only: times come from the tempo map.
  Score score = input;
  score.update_seconds();

  BeatMap map;
  // The tracker keeps a few values per 10 ms frame: a corrupt tick far out
  // must not make it allocate gigabytes.
  double last_onset = 0;
  for (const auto& n : score.notes) last_onset = std::max(last_onset, n.start_seconds);
  if (last_onset > kMaxTrackedSeconds)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("track_beats: the piece is {:.0f} hours long; at most {:.0f} are tracked",
                            last_onset / 3600, kMaxTrackedSeconds / 3600));
  const beat::OnsetEnvelope env = beat::onset_envelope(score);
  if (env.impulses.size() < 2) return map;
  const beat::TempoCurve tempo = beat::estimate_tempo(env, options);
  const beat::BeatTrack track = beat::choose_beat_level(score, env, tempo, options);
  map.work = tempo.work + track.work;
  map.beats = track.seconds;
  if (map.beats.size() < 2) {
    map.beats.clear();
    return map;
  }
  for (size_t i = 0; i < map.beats.size(); ++i) {
    const double interval =
        i + 1 < map.beats.size() ? map.beats[i + 1] - map.beats[i] : map.beats[i] - map.beats[i - 1];
    map.bpm.push_back(60.0 / interval);
  }
  const beat::Bars bars = beat::find_downbeats(score, map.beats, options.metre);
  map.metre = bars.metre;
  map.downbeats = bars.downbeats;
  map.pickup_beats = map.downbeats.empty() ? 0 : map.downbeats.front() % map.metre;
  map.work += bars.work;
  return map;
}

}  // namespace emopiano
