// emopiano retime IN.mid OUT.mid: a performance written onto its tracked
// beats, so that a beat is a quarter note and a bar is a bar, every note
// still sounding when it did.
#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "cli/args.hpp"
#include "cli/beat_options.hpp"
#include "cli/command.hpp"
#include "emopiano/beats.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("retime", "IN.mid OUT.mid",
            "Track the beats of a performance and write it onto them: one quarter note\n"
            "per beat, a tempo change at every beat, the metre as time signature and bar\n"
            "lines on the downbeats (a pickup becomes a lead-in of whole beats). Notes and\n"
            "pedal keep their sounding times to within a tick.");
  add_beat_options(args);
  args.positionals(2, 2);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;

  const std::string in_path = args.positional()[0];
  const std::string out_path = args.positional()[1];
  const Score score = read_midi_file(in_path);
  const BeatMap map = track_beats(score, beat_options(args));
  const Score out = retime(score, map);
  write_midi_file(out, out_path);

  if (map.beats.empty()) {
    fmt::print("{} -> {}: too few onsets to find a beat; written unchanged\n", in_path, out_path);
    return 0;
  }
  // The notes are in the same order in both (normalize sorts by tick, and
  // retiming keeps the order of onsets except for exact ties).
  double moved = 0;
  for (size_t i = 0; i < std::min(score.notes.size(), out.notes.size()); ++i)
    moved = std::max(moved, std::abs(out.notes[i].start_seconds - score.notes[i].start_seconds));
  fmt::print(
      "{} -> {}: {} notes on {} beats, metre {}/4, pickup {}, tempo median {:.1f} BPM; "
      "onsets moved at most {:.1f} ms\n",
      in_path, out_path, out.notes.size(), map.beats.size(), map.metre, map.pickup_beats, median_bpm(map),
      moved * 1000);
  return 0;
}

CommandRegistrar registrar("retime", "write a performance onto its tracked beats, bars and tempo", run);

}  // namespace
}  // namespace emopiano::cli
