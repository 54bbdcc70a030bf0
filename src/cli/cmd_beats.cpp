// emopiano beats FILE.mid [--json OUT.json]: the beats, downbeats and metre
// the tracker finds in a performance, as text or as a JSON file.
#include <algorithm>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/beat_options.hpp"
#include "cli/command.hpp"
#include "core/atomic_file.hpp"
#include "emopiano/beats.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("beats", "FILE.mid",
            "Track the beats of a performance: tempo (local, per beat), metre, downbeats\n"
            "and a pickup, from note onsets, velocities, the bass and the sustain pedal.\n"
            "Prints one line per beat (bar.beat, time, tempo); --json writes the map.");
  args.option("json", "OUT.json", "write the beat map as JSON (times in seconds) instead");
  add_beat_options(args);
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;

  const std::string path = args.positional()[0];
  const Score score = read_midi_file(path);
  const BeatMap map = track_beats(score, beat_options(args));

  if (args.has("json")) {
    detail::write_file_atomically(args.get("json"), nlohmann::json::parse(map.to_json()).dump(1) + "\n");
    fmt::print("{}: {} beats, metre {}, median {:.1f} BPM -> {}\n", path, map.beats.size(), map.metre, median_bpm(map),
               args.get("json"));
    return 0;
  }
  if (map.beats.empty()) {
    fmt::print("{}: too few onsets to find a beat\n", path);
    return 0;
  }
  const auto [slowest, fastest] = std::minmax_element(map.bpm.begin(), map.bpm.end());
  fmt::print("{}: {} beats, {} bars of {}, pickup {} beat{}; tempo median {:.1f} BPM ({:.1f} to {:.1f})\n", path,
             map.beats.size(), map.downbeats.size(), map.metre, map.pickup_beats, map.pickup_beats == 1 ? "" : "s",
             median_bpm(map), *slowest, *fastest);
  fmt::print("{:>7}  {:>9}  {:>7}\n", "bar.beat", "seconds", "BPM");
  // Bars count from the first downbeat; pickup beats are in bar 0.
  int bar = 0, beat = map.pickup_beats > 0 ? map.metre - map.pickup_beats : 0;
  size_t next_downbeat = 0;
  for (size_t i = 0; i < map.beats.size(); ++i) {
    if (next_downbeat < map.downbeats.size() && static_cast<size_t>(map.downbeats[next_downbeat]) == i) {
      ++bar;
      beat = 0;
      ++next_downbeat;
    }
    ++beat;
    fmt::print("{:>5}.{:<2} {:>9.3f}  {:>7.1f}\n", bar, beat, map.beats[i], map.bpm[i]);
  }
  return 0;
}

CommandRegistrar registrar("beats", "track beats, downbeats, tempo and metre of a performance", run);

}  // namespace
}  // namespace emopiano::cli
