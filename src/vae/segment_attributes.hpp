// Musical attributes of a segment, measured from its notes, for MusicVAE's
// attribute vectors: note density, pitch range, syncopation and mode.
#pragma once

#include <array>

#include "emopiano/score.hpp"
#include "emopiano/vae_attributes.hpp"

namespace emopiano::vae {

// One value per VaeAttribute, in its order:
//   density      notes per bar;
//   pitch_range  highest minus lowest pitch, in semitones (0 for fewer than two notes);
//   syncopation  share of note onsets that fall off the beat (0 without notes);
//   mode         Krumhansl-Kessler correlation of the best key, positive for
//                a major key and negative for a minor one (0 without notes).
std::array<double, kVaeAttributeCount> segment_attributes(const Score& segment, int bars);

}  // namespace emopiano::vae
