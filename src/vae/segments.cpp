// Segments of a piece for the VAE: whole bars, the tempo restated, BOS and
// the emotion in front and EOS behind, so each segment is itself a piece the
// tokenizer decodes.
#include "vae/segments.hpp"

#include <algorithm>
#include <string>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::vae {

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

SegmentCutter::SegmentCutter(const Tokenizer& tokenizer, int segment_bars, int max_tokens)
    : tokenizer_(tokenizer), segment_bars_(segment_bars), max_tokens_(max_tokens) {
  const int32_t vocab = tokenizer.vocab_size();
  is_tempo_.assign(static_cast<size_t>(vocab), 0);
  is_position_.assign(static_cast<size_t>(vocab), 0);
  starts_note_.assign(static_cast<size_t>(vocab), 0);
  for (int32_t id = 0; id < vocab; ++id) {
    const std::string name = tokenizer.token_to_string(id);
    is_tempo_[static_cast<size_t>(id)] = starts_with(name, "Tempo_");
    is_position_[static_cast<size_t>(id)] = starts_with(name, "Position_");
    starts_note_[static_cast<size_t>(id)] = starts_with(name, "Pitch_");
    if (name == "Bar") bar_ = id;
    if (name == "Pedal_On") pedal_on_ = id;
    if (name == "Pedal_Off") pedal_off_ = id;
    if (name == "Position_0") position_zero_ = id;
  }
  if (bar_ < 0) throw Error(ErrorCode::unsupported, "VAE segments need a tokenizer with Bar tokens");
}

std::vector<size_t> SegmentCutter::bar_starts(const std::vector<int32_t>& piece) const {
  std::vector<size_t> bars;
  for (size_t i = 0; i < piece.size(); ++i)
    if (piece[i] == bar_) bars.push_back(i);
  return bars;
}

std::vector<int32_t> SegmentCutter::segment(const std::vector<int32_t>& piece, const std::vector<size_t>& bars,
                                            size_t first, Quadrant emotion) const {
  if (first >= bars.size())
    throw Error(ErrorCode::invalid_argument, fmt::format("segment: bar {} of a piece of {} bars", first, bars.size()));
  const size_t begin = bars[first];
  const size_t last_bar = std::min(bars.size(), first + static_cast<size_t>(segment_bars_));
  size_t end = last_bar < bars.size() ? bars[last_bar] : piece.size();
  while (end > begin && piece[end - 1] == tokenizer_.eos_id()) --end;

  int32_t tempo = -1;       // the tempo in force at the segment's start
  bool pedal_down = false;  // and the sustain pedal
  for (size_t i = 0; i < begin; ++i) {
    if (is_tempo_[static_cast<size_t>(piece[i])]) tempo = piece[i];
    if (piece[i] == pedal_on_) pedal_down = true;
    if (piece[i] == pedal_off_) pedal_down = false;
  }

  std::vector<int32_t> out = {tokenizer_.bos_id(), tokenizer_.emotion_id(emotion)};
  bool restated = tempo < 0;
  for (size_t i = begin; i < end; ++i) {
    out.push_back(piece[i]);
    if (!restated && is_position_[static_cast<size_t>(piece[i])]) {
      restated = true;
      if (i + 1 >= end || !is_tempo_[static_cast<size_t>(piece[i + 1])]) out.push_back(tempo);
    }
  }
  // A pedal held over the segment's start is pressed again on its first grid
  // position (after the tempo), as the grammar wants each release to follow a press.
  if (pedal_down && pedal_on_ >= 0) {
    auto first =
        std::find_if(out.begin() + 2, out.end(), [&](int32_t t) { return is_position_[static_cast<size_t>(t)] != 0; });
    if (first != out.end()) {
      auto at = first + 1;
      if (at != out.end() && is_tempo_[static_cast<size_t>(*at)]) ++at;
      if (at == out.end() || (*at != pedal_on_ && *at != pedal_off_)) out.insert(at, pedal_on_);
    }
  }
  // Whatever else the cut left out of context (a release of a pedal pressed
  // before the segment) is dropped, so the segment follows the grammar.
  {
    auto grammar = tokenizer_.grammar();
    std::vector<int32_t> kept;
    kept.reserve(out.size());
    for (int32_t t : out)
      if (grammar->advance(t)) kept.push_back(t);
    out.swap(kept);
  }
  // Too long: drop whole bars from the end while more than one is left,
  // then cut the last one before a grid position or a note.
  const size_t limit = static_cast<size_t>(std::max(4, max_tokens_)) - 1;  // room for EOS
  if (out.size() > limit) {
    size_t cut = out.size();
    for (size_t i = out.size(); i-- > 3;) {
      if (out[i] == bar_ && i <= limit) {
        cut = i;
        break;
      }
    }
    if (cut > limit) {
      // One bar alone is too long: end it at the last point within the limit
      // where the grammar lets a piece end (not after a lone grid position,
      // not inside a note), so the segment stays well-formed.
      auto grammar = tokenizer_.grammar();
      std::vector<uint8_t> allowed(static_cast<size_t>(tokenizer_.vocab_size()));
      const size_t eos = static_cast<size_t>(tokenizer_.eos_id());
      cut = 3;  // BOS, the emotion, Bar
      for (size_t i = 0; i < limit; ++i) {
        grammar->advance(out[i]);  // out follows the grammar: the filter above made sure
        grammar->allowed(allowed.data());
        if (i + 1 >= 3 && allowed[eos]) cut = i + 1;
      }
    }
    out.resize(cut);
  }
  out.push_back(tokenizer_.eos_id());
  return out;
}

std::vector<std::vector<int32_t>> SegmentCutter::all(const std::vector<int32_t>& piece, Quadrant emotion) const {
  const auto bars = bar_starts(piece);
  std::vector<std::vector<int32_t>> out;
  for (size_t b = 0; b < bars.size(); b += static_cast<size_t>(segment_bars_))
    out.push_back(segment(piece, bars, b, emotion));
  return out;
}

SegmentInputs SegmentCutter::inputs(const std::vector<int32_t>& segment) const {
  SegmentInputs in;
  auto grammar = tokenizer_.grammar();
  const int32_t vocab = tokenizer_.vocab_size();
  for (size_t i = 0; i < segment.size(); ++i) {
    const int32_t t = segment[i];
    if (t < 0 || t >= vocab || !grammar->advance(t))
      throw Error(ErrorCode::invalid_argument, fmt::format("segment token {} at index {} ({}) breaks the token grammar",
                                                           t, i, tokenizer_.token_to_string(t)));
    in.tokens.push_back(t);
    in.bars.push_back(grammar->bar());
    in.positions.push_back(grammar->position());
  }
  return in;
}

std::vector<int32_t> SegmentCutter::join(const std::vector<std::vector<int32_t>>& segments) const {
  std::vector<int32_t> all;
  bool pedal_down = false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& t = segments[i];
    if (t.size() < 3) continue;
    if (all.empty()) all.assign(t.begin(), t.begin() + 2);  // BOS and the first emotion
    std::vector<int32_t> bars;
    for (size_t k = 2; k < t.size() && t[k] != tokenizer_.eos_id(); ++k) bars.push_back(t[k]);
    if (pedal_down) continue_held_pedal(bars);
    int count = 0;
    for (int32_t id : bars) {
      count += id == bar_;
      if (id == pedal_on_) pedal_down = true;
      if (id == pedal_off_) pedal_down = false;
      all.push_back(id);
    }
    if (i + 1 < segments.size())
      for (; count < segment_bars_; ++count) all.push_back(bar_);
  }
  if (!all.empty()) all.push_back(tokenizer_.eos_id());
  return all;
}

void SegmentCutter::continue_held_pedal(std::vector<int32_t>& bars) const {
  if (bars.empty() || bars[0] != bar_ || pedal_on_ < 0 || pedal_off_ < 0 || position_zero_ < 0) return;
  // The first cell, when it is on the bar line: Position_0 [Tempo] [Pedal] ...
  if (bars.size() > 1 && bars[1] == position_zero_) {
    size_t at = 2;
    if (at < bars.size() && is_tempo_[static_cast<size_t>(bars[at])]) ++at;
    if (at < bars.size() && bars[at] == pedal_on_) {
      // Pressed on the bar line: it stays down. A cell left with nothing
      // but its position goes too.
      bars.erase(bars.begin() + static_cast<std::ptrdiff_t>(at));
      const bool empty_cell =
          at == 2 && (at >= bars.size() || bars[at] == bar_ || is_position_[static_cast<size_t>(bars[at])]);
      if (empty_cell) bars.erase(bars.begin() + 1);
      return;
    }
    bars.insert(bars.begin() + static_cast<std::ptrdiff_t>(at), pedal_off_);
    return;
  }
  bars.insert(bars.begin() + 1, {position_zero_, pedal_off_});
}

}  // namespace emopiano::vae
