// Cutting token sequences of whole pieces into the VAE's segments, and the
// per-token inputs (bar index, position in bar) the networks read.
#pragma once

#include <cstdint>
#include <vector>

#include "emopiano/emotion.hpp"
#include "emopiano/tokenizer.hpp"

namespace emopiano::vae {

// What the encoder and decoder read for each token of a segment.
struct SegmentInputs {
  std::vector<int64_t> tokens, bars, positions;
};

class SegmentCutter {
 public:
  SegmentCutter(const Tokenizer& tokenizer, int segment_bars, int max_tokens);

  // Index of every Bar token of a piece's token sequence.
  std::vector<size_t> bar_starts(const std::vector<int32_t>& piece) const;

  // The segment of `segment_bars` bars from bar `first` (an index into
  // `bars`, from bar_starts): BOS, the emotion token, the bars, EOS. The
  // tempo in force where it starts is restated on its first grid position
  // when that position does not state one, so every segment plays at the
  // piece's tempo. A segment longer than max_tokens keeps only its first
  // bars (at least one, itself cut to max_tokens, never in the middle of a
  // note).
  std::vector<int32_t> segment(const std::vector<int32_t>& piece, const std::vector<size_t>& bars, size_t first,
                               Quadrant emotion) const;

  // Every segment of a piece, one after another (bars 0..n-1, n..2n-1, ...).
  std::vector<std::vector<int32_t>> all(const std::vector<int32_t>& piece, Quadrant emotion) const;

  // Segments (each BOS, emotion, bars, EOS) one after another as one piece:
  // the first's BOS and emotion, every segment's bars (a short one padded
  // with empty bars, so the next starts on time), EOS. Each segment decodes
  // alone with the pedal up at its start; where the piece so far leaves it
  // down, the segment's first grid position releases it, or keeps it held
  // where the segment presses it there, so the joined piece follows the
  // grammar and loses no note.
  std::vector<int32_t> join(const std::vector<std::vector<int32_t>>& segments) const;

  // Bar index and position of each token, from the tokenizer's grammar.
  // Throws Error(invalid_argument) when a token breaks the grammar.
  SegmentInputs inputs(const std::vector<int32_t>& segment) const;

  int segment_bars() const { return segment_bars_; }

 private:
  const Tokenizer& tokenizer_;
  int segment_bars_, max_tokens_;
  std::vector<uint8_t> is_tempo_, is_position_, starts_note_;
  // A segment's bars (no BOS, emotion or EOS) made to start with the pedal
  // held down from before: see join.
  void continue_held_pedal(std::vector<int32_t>& bars) const;

  int32_t bar_ = -1, pedal_on_ = -1, pedal_off_ = -1, position_zero_ = -1;
};

}  // namespace emopiano::vae
