// Writing a Score as a format 1 Standard MIDI File: a conductor track (tempo
// map, time signatures) and one piano track (program 0, notes, sustain pedal).
// The bytes are built in memory (smf_bytes_writer); a file gets exactly those
// bytes, written atomically and durably.
#include "midi/midi_writer.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/core.h>

#include "core/atomic_file.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "midi/smf_validator.hpp"

namespace emopiano {

using midi::SmfEvent;

namespace {

// One event to write. At one tick, note-offs go first, then pedal changes,
// then note-ons, so a key released and struck again on the same tick reads
// back as two notes.
struct TimedEvent {
  int64_t tick;
  int order;
  std::vector<uint8_t> bytes;
};

void check_score(const Score& score) {
  if (score.ticks_per_beat < 1 || score.ticks_per_beat > 0x7FFF)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("cannot write MIDI: {} ticks per beat (must be 1..32767)", score.ticks_per_beat));
  for (const auto& n : score.notes) {
    if (n.pitch < 0 || n.pitch > 127 || n.channel < 0 || n.channel > 15 || n.start_tick < 0 ||
        n.end_tick < n.start_tick)
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("cannot write MIDI: invalid note (pitch {}, channel {}, ticks {}..{})", n.pitch,
                              n.channel, n.start_tick, n.end_tick));
  }
  if (score.end_tick() > midi::kMaxWriteTicks)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("cannot write MIDI: the score ends at tick {}, past the limit of {}", score.end_tick(),
                            midi::kMaxWriteTicks));
  for (const auto& t : score.tempos)
    if (!(t.bpm > 0.0) || t.tick < 0 || t.tick > midi::kMaxWriteTicks)
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("cannot write MIDI: tempo {} BPM at tick {}", t.bpm, t.tick));
  for (const auto& s : score.time_signatures)
    if (s.numerator < 1 || s.numerator > 255 || s.denominator < 1 || s.denominator > 64 ||
        (s.denominator & (s.denominator - 1)) != 0 || s.tick < 0 || s.tick > midi::kMaxWriteTicks)
      throw Error(ErrorCode::invalid_argument, fmt::format("cannot write MIDI: time signature {}/{} at tick {}",
                                                           s.numerator, s.denominator, s.tick));
  for (const auto& p : score.pedal)
    if (p.tick < 0) throw Error(ErrorCode::invalid_argument, "cannot write MIDI: pedal event before tick 0");
  for (const auto& k : score.keys)
    if (k.tonic < 0 || k.tonic > 11 || k.tick < 0 || k.tick > midi::kMaxWriteTicks)
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("cannot write MIDI: key with tonic {} at tick {}", k.tonic, k.tick));
}

std::vector<TimedEvent> conductor_events(const Score& score) {
  std::vector<TimedEvent> events;
  for (const auto& t : score.tempos) {
    const long mpqn = std::clamp(std::lround(60e6 / t.bpm), 1L, 0xFFFFFFL);
    events.push_back({t.tick,
                      0,
                      {0xFF, 0x51, 0x03, static_cast<uint8_t>(mpqn >> 16), static_cast<uint8_t>(mpqn >> 8),
                       static_cast<uint8_t>(mpqn)}});
  }
  for (const auto& s : score.time_signatures) {
    int power = 0;
    while ((1 << power) < s.denominator) ++power;
    events.push_back(
        {s.tick, 1, {0xFF, 0x58, 0x04, static_cast<uint8_t>(s.numerator), static_cast<uint8_t>(power), 24, 8}});
  }
  for (const auto& k : score.keys) {
    // Fifths from C of the major key (the relative major for minor), -5..6.
    const int major_tonic = ((k.major ? k.tonic : k.tonic + 3) % 12 + 12) % 12;
    int sf = (major_tonic * 7) % 12;
    if (sf > 6) sf -= 12;
    events.push_back(
        {k.tick,
         1,
         {0xFF, 0x59, 0x02, static_cast<uint8_t>(static_cast<int8_t>(sf)), static_cast<uint8_t>(k.major ? 0 : 1)}});
  }
  return events;
}

std::vector<TimedEvent> piano_events(const Score& score) {
  std::vector<TimedEvent> events;
  events.push_back({0, -1, {0xC0, 0x00}});  // program 0: acoustic grand piano
  // A key cannot sound twice: where two notes of one key overlap, the first
  // is released at the second's onset; a duplicate onset keeps the later note.
  std::vector<const Note*> notes;
  for (const auto& n : score.notes) notes.push_back(&n);
  std::stable_sort(notes.begin(), notes.end(), [](const Note* a, const Note* b) {
    return std::tie(a->channel, a->pitch, a->start_tick) < std::tie(b->channel, b->pitch, b->start_tick);
  });
  for (size_t i = 0; i < notes.size(); ++i) {
    const Note& n = *notes[i];
    int64_t end = std::max(n.end_tick, n.start_tick + 1);
    if (i + 1 < notes.size() && notes[i + 1]->channel == n.channel && notes[i + 1]->pitch == n.pitch) {
      if (notes[i + 1]->start_tick == n.start_tick) continue;
      end = std::min(end, notes[i + 1]->start_tick);
    }
    const uint8_t velocity = static_cast<uint8_t>(std::clamp(n.velocity, 1, 127));
    events.push_back(
        {n.start_tick, 2, {static_cast<uint8_t>(0x90 | n.channel), static_cast<uint8_t>(n.pitch), velocity}});
    events.push_back({end, 0, {static_cast<uint8_t>(0x80 | n.channel), static_cast<uint8_t>(n.pitch), 64}});
  }
  for (const auto& p : score.pedal) {
    const int value = p.down ? std::clamp(p.value, 64, 127) : std::clamp(p.value, 0, 63);
    events.push_back({p.tick, 1, {0xB0, 64, static_cast<uint8_t>(value)}});
  }
  return events;
}

// Events in the order they are written: by tick, then by `order`.
std::vector<SmfEvent> in_time_order(std::vector<TimedEvent> events) {
  std::stable_sort(events.begin(), events.end(), [](const TimedEvent& a, const TimedEvent& b) {
    return std::tie(a.tick, a.order) < std::tie(b.tick, b.order);
  });
  std::vector<SmfEvent> out;
  out.reserve(events.size());
  for (auto& e : events) out.push_back(SmfEvent{e.tick, std::move(e.bytes)});
  return out;
}

}  // namespace

namespace midi {

std::vector<std::vector<SmfEvent>> score_tracks(const Score& score) {
  check_score(score);
  Score s = score;
  s.normalize();  // tempo and metre at tick 0, sorted
  return {in_time_order(conductor_events(s)), in_time_order(piano_events(s))};
}

}  // namespace midi

void write_midi_file(const Score& score, const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = write_midi_bytes(score);  // fails before touching the file system
  detail::write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::vector<uint8_t> write_midi_bytes(const Score& score) {
  return midi::smf_bytes(1, score.ticks_per_beat, midi::score_tracks(score));
}

}  // namespace emopiano
