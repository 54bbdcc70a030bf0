// emopiano inspect FILE.mid: what a MIDI file holds, as the library reads it
// (including the repairs it made), in text or JSON.
#include <algorithm>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "emopiano/midi.hpp"

namespace emopiano::cli {
namespace {

nlohmann::json warnings_json(const ScoreWarnings& w) {
  return {{"orphan_note_offs", w.orphan_note_offs},     {"retriggered_notes", w.retriggered_notes},
          {"unreleased_notes", w.unreleased_notes},     {"zero_length_notes", w.zero_length_notes},
          {"drum_notes_skipped", w.drum_notes_skipped}, {"invalid_tokens", w.invalid_tokens}};
}

int run(int argc, char** argv) {
  Args args("inspect", "FILE.mid",
            "Print what a MIDI file holds: resolution, tempo map, time signatures, notes,\n"
            "pitch range, duration, sustain pedal events and any repairs made while reading.");
  args.flag("json", "print one JSON object instead of text");
  args.flag("pedal", "lengthen notes by the sustain pedal before measuring");
  args.flag("drums", "keep channel 10 (drum) notes");
  args.positionals(1, 1);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;

  const std::string path = args.positional()[0];
  MidiReadOptions options;
  options.apply_sustain_pedal = args.has("pedal");
  options.exclude_drums = !args.has("drums");
  const Score s = read_midi_file(path, options);

  int lowest = 128, highest = -1;
  for (const auto& n : s.notes) {
    lowest = std::min(lowest, n.pitch);
    highest = std::max(highest, n.pitch);
  }
  const int64_t pedal_downs = std::count_if(s.pedal.begin(), s.pedal.end(), [](const PedalEvent& p) { return p.down; });

  if (args.has("json")) {
    nlohmann::json j;
    j["file"] = path;
    j["ticks_per_beat"] = s.ticks_per_beat;
    j["tempos"] = nlohmann::json::array();
    for (const auto& t : s.tempos) j["tempos"].push_back({{"tick", t.tick}, {"seconds", t.seconds}, {"bpm", t.bpm}});
    j["time_signatures"] = nlohmann::json::array();
    for (const auto& ts : s.time_signatures)
      j["time_signatures"].push_back({{"tick", ts.tick}, {"numerator", ts.numerator}, {"denominator", ts.denominator}});
    j["notes"] = s.notes.size();
    j["pitch_min"] = s.notes.empty() ? nlohmann::json(nullptr) : nlohmann::json(lowest);
    j["pitch_max"] = s.notes.empty() ? nlohmann::json(nullptr) : nlohmann::json(highest);
    j["end_tick"] = s.end_tick();
    j["duration_seconds"] = s.duration_seconds();
    j["pedal_events"] = s.pedal.size();
    j["pedal_presses"] = pedal_downs;
    j["warnings"] = warnings_json(s.warnings);
    fmt::print("{}\n", j.dump(2));
    return 0;
  }

  fmt::print("file             {}\n", path);
  fmt::print("ticks per beat   {}\n", s.ticks_per_beat);
  std::string tempos;
  for (size_t i = 0; i < s.tempos.size() && i < 8; ++i)
    tempos += fmt::format("{}{:.2f} BPM @ {:.2f}s", i ? ", " : "", s.tempos[i].bpm, s.tempos[i].seconds);
  if (s.tempos.size() > 8) tempos += fmt::format(", ... ({} changes)", s.tempos.size());
  fmt::print("tempo            {}\n", tempos);
  std::string metres;
  for (size_t i = 0; i < s.time_signatures.size() && i < 8; ++i)
    metres += fmt::format("{}{}/{} @ tick {}", i ? ", " : "", s.time_signatures[i].numerator,
                          s.time_signatures[i].denominator, s.time_signatures[i].tick);
  if (s.time_signatures.size() > 8) metres += fmt::format(", ... ({} changes)", s.time_signatures.size());
  fmt::print("time signature   {}\n", metres);
  fmt::print("notes            {}\n", s.notes.size());
  if (!s.notes.empty()) fmt::print("pitch range      {}..{}\n", lowest, highest);
  fmt::print("duration         {:.2f} s ({} ticks)\n", s.duration_seconds(), s.end_tick());
  fmt::print("pedal events     {} ({} presses)\n", s.pedal.size(), pedal_downs);
  fmt::print("repairs          {}\n", s.warnings.to_string());
  return 0;
}

CommandRegistrar registrar("inspect", "show what a MIDI file holds (tempo, metre, notes, pedal, repairs)", run);

}  // namespace
}  // namespace emopiano::cli
