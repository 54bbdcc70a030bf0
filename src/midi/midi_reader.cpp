// Reading a Standard MIDI File: our validator first (see smf_validator.cpp),
// then libsmf parses the canonical bytes, then the events become a Score.
//
// Messy files are repaired, and each repair is counted in Score::warnings:
//  - note-on with velocity 0 is a note-off;
//  - notes pair per track and channel; a key struck again before its release
//    closes the sounding note at the new onset (retriggered; when both onsets
//    share a tick the first is a duplicate and is dropped);
//  - a note-off with no sounding note is skipped (orphan);
//  - a note never released ends at the track's last event (unreleased);
//  - a note released on its onset tick is kept, one tick long (zero-length);
//  - channel 10 (index 9) notes are left out when exclude_drums is set.
// Sustain pedal: CC64 from every channel except an excluded drum channel;
// only changes of state (down when value >= 64) are kept, each with the raw
// value that caused it, since repeated values of the same state (continuous
// half-pedal data) do not change what sounds.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include <fmt/core.h>
#include <smf.h>

#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "midi/libsmf_log.hpp"
#include "midi/smf_validator.hpp"

namespace emopiano {

namespace {

struct SmfDeleter {
  void operator()(smf_t* smf) const { smf_delete(smf); }
};
using SmfPtr = std::unique_ptr<smf_t, SmfDeleter>;

constexpr int kDrumChannel = 9;

// Pairs note-ons with note-offs inside one track.
class NotePairer {
 public:
  NotePairer(Score& score, const MidiReadOptions& options) : score_(score), options_(options) { open_.fill(Open{}); }

  void note_on(int64_t tick, int channel, int pitch, int velocity) {
    if (options_.exclude_drums && channel == kDrumChannel) {
      ++score_.warnings.drum_notes_skipped;
      return;
    }
    Open& o = open_[channel * 128 + pitch];
    if (o.start >= 0) {
      ++score_.warnings.retriggered_notes;
      if (tick > o.start) emit(o, tick, channel, pitch);
    }
    o.start = tick;
    o.velocity = velocity;
  }

  void note_off(int64_t tick, int channel, int pitch) {
    if (options_.exclude_drums && channel == kDrumChannel) return;
    Open& o = open_[channel * 128 + pitch];
    if (o.start < 0) {
      ++score_.warnings.orphan_note_offs;
      return;
    }
    if (tick <= o.start) {
      ++score_.warnings.zero_length_notes;
      tick = o.start + 1;
    }
    emit(o, tick, channel, pitch);
  }

  void end_of_track(int64_t tick) {
    for (int key = 0; key < static_cast<int>(open_.size()); ++key) {
      Open& o = open_[key];
      if (o.start < 0) continue;
      ++score_.warnings.unreleased_notes;
      emit(o, std::max(tick, o.start + 1), key / 128, key % 128);
    }
  }

 private:
  struct Open {
    int64_t start = -1;
    int velocity = 0;
  };

  void emit(Open& o, int64_t end, int channel, int pitch) {
    Note n;
    n.pitch = pitch;
    n.velocity = o.velocity;
    n.start_tick = o.start;
    n.end_tick = end;
    n.channel = channel;
    score_.notes.push_back(n);
    o.start = -1;
  }

  Score& score_;
  const MidiReadOptions& options_;
  std::array<Open, 16 * 128> open_;
};

void read_track(smf_track_t* track, Score& score, std::vector<PedalEvent>& pedal_values,
                const MidiReadOptions& options) {
  NotePairer pairer(score, options);
  int64_t last_tick = 0;
  for (int i = 1; i <= track->number_of_events; ++i) {
    smf_event_t* e = smf_track_get_event_by_number(track, i);
    if (e == nullptr || e->midi_buffer_length < 1) continue;
    const int64_t tick = e->time_pulses;
    last_tick = std::max(last_tick, tick);
    const uint8_t* b = e->midi_buffer;
    const int length = e->midi_buffer_length;
    const int status = b[0];
    if (status == 0xFF && length >= 3) {
      if (b[1] == 0x51 && length >= 6) {
        const int mpqn = (b[3] << 16) | (b[4] << 8) | b[5];
        if (mpqn > 0) score.tempos.push_back(TempoChange{tick, 0.0, 60e6 / mpqn});
      } else if (b[1] == 0x58 && length >= 7) {
        score.time_signatures.push_back(TimeSignature{tick, b[3], 1 << std::min<int>(b[4], 6)});
      } else if (b[1] == 0x59 && length >= 5) {
        // Key signature: sharps (> 0) or flats (< 0) and the mode. The tonic
        // of a major key with sf sharps is sf fifths above C; minor is its relative.
        const int sf = static_cast<int8_t>(b[3]);
        if (sf >= -7 && sf <= 7 && b[4] <= 1) {
          const bool major = b[4] == 0;
          const int tonic = ((sf * 7 + (major ? 0 : 9)) % 12 + 12) % 12;
          score.keys.push_back(KeySignature{tick, tonic, major});
        }
      }
      continue;
    }
    if (status < 0x80 || status >= 0xF0) continue;
    const int kind = status & 0xF0;
    const int channel = status & 0x0F;
    if ((kind == 0x80 || kind == 0x90) && length >= 3) {
      if (kind == 0x90 && b[2] > 0)
        pairer.note_on(tick, channel, b[1], b[2]);
      else
        pairer.note_off(tick, channel, b[1]);
    } else if (kind == 0xB0 && length >= 3 && b[1] == 64) {
      if (options.exclude_drums && channel == kDrumChannel) continue;
      pedal_values.push_back(PedalEvent{tick, 0.0, b[2] >= 64, b[2]});
    }
  }
  pairer.end_of_track(last_tick);
}

Score score_from_smf(smf_t* smf, const MidiReadOptions& options) {
  Score score;
  score.ticks_per_beat = smf->ppqn;
  std::vector<PedalEvent> pedal_values;
  for (int t = 1; t <= smf->number_of_tracks; ++t) {
    smf_track_t* track = smf_get_track_by_number(smf, t);
    if (track != nullptr) read_track(track, score, pedal_values, options);
  }
  // Pedal events of all tracks merge into one state sequence, starting up.
  std::stable_sort(pedal_values.begin(), pedal_values.end(),
                   [](const PedalEvent& a, const PedalEvent& b) { return a.tick < b.tick; });
  bool down = false;
  for (const auto& p : pedal_values) {
    if (p.down == down) continue;
    down = p.down;
    score.pedal.push_back(p);
  }
  score.normalize();
  score.update_seconds();
  if (options.apply_sustain_pedal) score.apply_sustain_pedal();
  return score;
}

}  // namespace

Score read_midi_bytes(const uint8_t* data, size_t size, const MidiReadOptions& options, std::string_view name) {
  const midi::SmfLayout layout = midi::check_smf_layout(data, size, name);
  const std::vector<uint8_t> canonical = midi::canonical_smf(data, layout);
  midi::begin_libsmf_capture();
  SmfPtr smf(smf_load_from_memory(canonical.data(), static_cast<int>(canonical.size())));
  if (!smf) {
    throw Error(ErrorCode::format,
                fmt::format("{}: the MIDI parser rejected the file: {}", name,
                            midi::libsmf_messages().empty() ? "no reason given" : midi::libsmf_messages()));
  }
  if (smf->number_of_tracks != static_cast<int>(layout.tracks.size())) {
    throw Error(ErrorCode::internal, fmt::format("{}: the MIDI parser read {} of {} tracks: {}", name,
                                                 smf->number_of_tracks, layout.tracks.size(), midi::libsmf_messages()));
  }
  return score_from_smf(smf.get(), options);
}

Score read_midi_file(const std::filesystem::path& path, const MidiReadOptions& options) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(ErrorCode::io, fmt::format("cannot read '{}': it is a directory", name));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, fmt::format("cannot open '{}': {}", name, std::strerror(errno)));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(ErrorCode::io, fmt::format("cannot read '{}'", name));
  if (static_cast<uint64_t>(size) > midi::kMaxSmfBytes)
    throw Error(ErrorCode::unsupported, fmt::format("{}: {} bytes is larger than the {} MiB a MIDI file may have here",
                                                    name, size, midi::kMaxSmfBytes >> 20));
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0, std::ios::beg);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw Error(ErrorCode::io, fmt::format("cannot read '{}': short read", name));
  return read_midi_bytes(bytes.data(), bytes.size(), options, name);
}

}  // namespace emopiano
