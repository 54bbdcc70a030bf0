// An ALSA sequencer output port for `emopiano live --alsa`: notes scheduled
// on an ALSA queue at their times, so a synthesizer or DAW subscribed to the
// port plays the music as it is written. Builds without libasound2-dev, and
// machines without a sequencer (/dev/snd/seq), get a clean error instead.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "emopiano/score.hpp"

namespace emopiano::cli {

class AlsaMidiOut {
 public:
  // Opens client "emopiano" with one output port, connected to `destination`
  // ("CLIENT:PORT", e.g. "128:0" or "FLUID Synth:0") unless it is empty.
  // Throws Error(unsupported) without ALSA, Error(io) without a sequencer.
  explicit AlsaMidiOut(const std::string& destination);
  ~AlsaMidiOut();
  // Schedules notes and pedal changes at their seconds from the queue's start.
  void send(const std::vector<Note>& notes, const std::vector<PedalEvent>& pedal);
  // Releases every key and the pedal (at exit, Ctrl-C included).
  void all_notes_off();
  std::string port_name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emopiano::cli
