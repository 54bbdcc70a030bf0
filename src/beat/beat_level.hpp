// Which pulse is the beat. The tempogram finds a strong periodicity, but it
// cannot tell a slow ballad's steady eighths from its quarter notes, a fast
// song's half notes from its beat, or a beat from the dotted beat of a
// three-against-two pattern. Each of those related pulses is tracked, and the
// one whose beats the onsets divide as a beat is divided (halves, quarters;
// few triplets, nothing finer), whose beats carry strong onsets and not more
// than about one bass note each, and whose tempo is likely wins.
#pragma once

#include <cstdint>
#include <vector>

#include "beat/beat_tracker.hpp"
#include "beat/onset_envelope.hpp"
#include "beat/tempo_estimate.hpp"
#include "emopiano/beats.hpp"

namespace emopiano::beat {

// Where the onsets of a score fall within tracked beats: the share of onset
// groups near each position, in beats, and how many of them have a bass note.
struct OnsetPlacement {
  double half = 0;     // 1/2, and swung eighths (2/3 more often than 1/3)
  double quarter = 0;  // 1/4, 3/4
  double triplet = 0;  // 1/3, 2/3 as often as 1/3
  double eighth = 0;   // 1/8, 3/8, 5/8, 7/8
  // The rest are on the beat or elsewhere.
  double bass_per_beat = 0;  // groups with a note below G3, per beat
  int64_t onsets = 0;        // groups between the first and the last beat
};

// Notes starting within 35 ms of a group's first note start that group.
struct OnsetGroup {
  double seconds = 0;
  int lowest_pitch = 127;
};

// A score's onset groups in time order. Uses the seconds fields.
std::vector<OnsetGroup> onset_groups(const Score& score);

// `onsets` in time order, `beats` increasing.
OnsetPlacement onset_placement(const std::vector<OnsetGroup>& onsets, const std::vector<double>& beats);

// The beats at the tempo curve's pulse or at 2, 1/2, 3/2 or 2/3 of its
// period (within the options' tempo range), whichever scores best. The
// returned work includes every candidate tracked.
BeatTrack choose_beat_level(const Score& score, const OnsetEnvelope& envelope, const TempoCurve& tempo,
                            const BeatTrackingOptions& options);

}  // namespace emopiano::beat
