// The score: what emopiano knows of a piano piece, independent of any file
// format or token scheme. Times are kept in ticks (exact, for tokenizing) and
// in seconds (through the tempo map, for listening and metrics).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace emopiano {

struct Note {
  int pitch = 60;     // MIDI key 0..127
  int velocity = 64;  // 1..127
  int64_t start_tick = 0;
  int64_t end_tick = 0;  // >= start_tick
  double start_seconds = 0.0;
  double end_seconds = 0.0;
  int channel = 0;  // 0..15
};

// Sustain pedal (CC64) state change: down when value >= 64.
struct PedalEvent {
  int64_t tick = 0;
  double seconds = 0.0;
  bool down = false;
  int value = 0;  // raw controller value 0..127
};

struct TempoChange {
  int64_t tick = 0;
  double seconds = 0.0;
  double bpm = 120.0;  // quarter notes per minute
};

struct TimeSignature {
  int64_t tick = 0;
  int numerator = 4;
  int denominator = 4;  // a power of two
};

// A key (tonic and mode) in force from `tick`: MIDI's key signature, or an
// annotation or estimate. tonic is a pitch class, 0 = C .. 11 = B.
struct KeySignature {
  int64_t tick = 0;
  int tonic = 0;
  bool major = true;
};

// What a reader or decoder met and repaired instead of failing. Real
// (transcribed) files are messy; these counts say how messy.
struct ScoreWarnings {
  int64_t orphan_note_offs = 0;    // note-off with no sounding note: skipped
  int64_t retriggered_notes = 0;   // same key pressed again before release: first note closed
  int64_t unreleased_notes = 0;    // never released: closed at end of track
  int64_t zero_length_notes = 0;   // note-off at the onset tick: kept, one tick long
  int64_t drum_notes_skipped = 0;  // channel 10 notes left out of a piano score
  int64_t invalid_tokens = 0;      // token decoding: ill-formed tokens skipped
  bool any() const noexcept {
    return orphan_note_offs || retriggered_notes || unreleased_notes || zero_length_notes || drum_notes_skipped ||
           invalid_tokens;
  }
  std::string to_string() const;  // "orphan note-offs 2, unreleased notes 1" or "none"
};

struct Score {
  int ticks_per_beat = 480;
  std::vector<Note> notes;                     // sorted by (start_tick, pitch)
  std::vector<PedalEvent> pedal;               // sorted by tick
  std::vector<TempoChange> tempos;             // sorted by tick; first at tick 0
  std::vector<TimeSignature> time_signatures;  // sorted by tick; first at tick 0
  std::vector<KeySignature> keys;              // sorted by tick; may be empty (key unknown)
  ScoreWarnings warnings;

  // Tick of the last note-off or pedal event.
  int64_t end_tick() const noexcept;
  double duration_seconds() const noexcept;
  // Seconds of a tick through the tempo map (120 BPM when there is none).
  double tick_to_seconds(int64_t tick) const noexcept;
  // The tick at `seconds` through the tempo map (rounded; 0 for seconds <= 0).
  int64_t seconds_to_tick(double seconds) const noexcept;
  // Recomputes every seconds field from ticks and the tempo map.
  void update_seconds();
  // Sorts the vectors into the orders documented above and makes sure a tempo
  // and a time signature exist at tick 0.
  void normalize();
  // Extends each note to the pedal release when the pedal is down at its
  // note-off (what a listener hears), cut short where the same key is struck
  // again. Pedal events are kept; call clear_pedal() to drop them.
  void apply_sustain_pedal();
  void clear_pedal() noexcept { pedal.clear(); }
};

}  // namespace emopiano
