#include "train/pitch_transposer.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::train {

namespace {
constexpr std::string_view kPitchPrefix = "Pitch_";
}

PitchTransposer::PitchTransposer(const Tokenizer& tokenizer, int min_shift, int max_shift)
    : min_shift_(min_shift), max_shift_(max_shift) {
  if (min_shift > max_shift)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("transposition range [{}, {}] is empty", min_shift, max_shift));
  const int32_t vocab = tokenizer.vocab_size();
  pitch_.assign(static_cast<size_t>(vocab), -1);
  id_of_pitch_.assign(128, -1);
  int lo = 128, hi = -1;
  for (int32_t id = 0; id < vocab; ++id) {
    const std::string name = tokenizer.token_to_string(id);
    if (name.compare(0, kPitchPrefix.size(), kPitchPrefix) != 0) continue;
    int p = -1;
    const char* first = name.data() + kPitchPrefix.size();
    const char* last = name.data() + name.size();
    auto [ptr, ec] = std::from_chars(first, last, p);
    if (ec != std::errc() || ptr != last || p < 0 || p > 127) continue;  // e.g. "Pitch_X"
    pitch_[static_cast<size_t>(id)] = p;
    id_of_pitch_[static_cast<size_t>(p)] = id;
    lo = std::min(lo, p);
    hi = std::max(hi, p);
  }
  key_.assign(static_cast<size_t>(vocab), -1);
  for (int i = 0; i < kNumKeys; ++i) {
    auto id = tokenizer.key_id(key_from_index(i));
    if (!id) break;
    if (id_of_key_.empty()) id_of_key_.assign(kNumKeys, -1);
    id_of_key_[static_cast<size_t>(i)] = *id;
    key_[static_cast<size_t>(*id)] = i;
  }
  vocab_pitch_min_ = lo;
  vocab_pitch_max_ = hi;
  // A gap in the pitch tokens would make allowed_shifts unsafe.
  for (int p = lo; p <= hi; ++p)
    if (id_of_pitch_[static_cast<size_t>(p)] < 0)
      throw Error(ErrorCode::internal, fmt::format("tokenizer has no token Pitch_{} inside its pitch range", p));
}

int PitchTransposer::pitch_of(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= pitch_.size()) return -1;
  return pitch_[static_cast<size_t>(id)];
}

std::pair<int, int> PitchTransposer::allowed_shifts(int lo, int hi) const {
  if (lo > hi || vocab_pitch_max_ < vocab_pitch_min_) return {min_shift_, max_shift_};
  int a = std::max(min_shift_, vocab_pitch_min_ - lo);
  int b = std::min(max_shift_, vocab_pitch_max_ - hi);
  if (a > b) return {0, 0};  // a window wider than the range allows: only the identity
  // 0 is always safe for in-vocabulary pitches, so [a, b] contains it whenever
  // the configured range does.
  return {a, b};
}

int32_t PitchTransposer::transpose(int32_t id, int shift) const {
  if (shift != 0 && id >= 0 && static_cast<size_t>(id) < key_.size() && key_[static_cast<size_t>(id)] >= 0) {
    const MusicalKey k = key_from_index(key_[static_cast<size_t>(id)]).transposed(shift);
    return id_of_key_[static_cast<size_t>(key_index(k))];
  }
  const int p = pitch_of(id);
  if (p < 0 || shift == 0) return id;
  const int q = p + shift;
  if (q < 0 || q > 127 || id_of_pitch_[static_cast<size_t>(q)] < 0)
    throw Error(
        ErrorCode::invalid_argument,
        fmt::format("cannot transpose Pitch_{} by {} semitones: Pitch_{} is not in the vocabulary", p, shift, q));
  return id_of_pitch_[static_cast<size_t>(q)];
}

void PitchTransposer::transpose(int32_t* ids, size_t count, int shift) const {
  if (shift == 0) return;
  for (size_t i = 0; i < count; ++i) ids[i] = transpose(ids[i], shift);
}

}  // namespace emopiano::train
