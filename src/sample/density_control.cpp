#include "sample/density_control.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "emopiano/tokenizer.hpp"
#include "tokenizer/remi_grammar.hpp"

namespace emopiano::sample {

namespace {

// The density is measured with an exponential memory of one bar of 4/4: a
// note a bar ago weighs 1/e of one played now. A window that a note leaves
// all at once would swing the piece between busy and empty bars.
constexpr double kMemoryBeats = 4.0;
// The measure starts from half a beat at the target, so the first notes of
// a piece do not swing k to its limit.
constexpr double kPriorBeats = 0.5;
// k = kGain * e + kIntegral * s, within +-kMaxMultiplier, with e =
// log(measured / target) and s the notes played beyond the target since the
// start, in beats of the target (within +-kMaxMultiplier / kIntegral). The
// sum takes out the offset a proportional term alone would leave where the
// model's own density is far from the target; counted in notes, not in
// errors sampled at decisions (which come right after notes), it has no
// bias. Checked against training-split densities (docs/evaluation.md).
constexpr double kGain = 1.5;
constexpr double kIntegral = 0.15;
constexpr double kMaxMultiplier = 4.0;

}  // namespace

std::optional<double> notes_per_beat(const Tokenizer& tokenizer, const std::vector<int32_t>& tokens) {
  auto grammar = tokenizer.grammar();
  const auto* remi = dynamic_cast<const tokenizer::RemiGrammar*>(grammar.get());
  if (!remi) return std::nullopt;
  int64_t notes = 0, first = -1, last = 0;
  Note note;
  for (int32_t token : tokens) {
    if (!grammar->advance(token)) break;  // a sequence cut short counts up to there
    if (!grammar->completed_note(&note)) continue;
    if (notes++ == 0) first = remi->bar_start_tick();
    last = remi->bar_end_tick();
  }
  if (notes == 0 || last <= first) return std::nullopt;
  return static_cast<double>(notes) * remi->ticks_per_beat() / static_cast<double>(last - first);
}

DensityControl::DensityControl(const Tokenizer& tokenizer, float notes_per_beat) {
  positions_per_beat_ = tokenizer.config().positions_per_beat;
  target_per_step_ = static_cast<double>(notes_per_beat) / positions_per_beat_;
  if (!enabled()) return;
  const int32_t vocab = tokenizer.vocab_size();
  kind_.assign(static_cast<size_t>(vocab), Kind::other);
  position_.assign(static_cast<size_t>(vocab), 0);
  for (int32_t id = 0; id < vocab; ++id) {
    const std::string name = tokenizer.token_to_string(id);
    auto& kind = kind_[static_cast<size_t>(id)];
    if (id == tokenizer.bar_id()) {
      kind = Kind::bar;
    } else if (name.rfind("Pitch_", 0) == 0) {
      kind = Kind::pitch;
    } else if (name.rfind("Position_", 0) == 0) {
      kind = Kind::position;
      position_[static_cast<size_t>(id)] = std::stoi(name.substr(9));
    }
  }
}

void DensityControl::set_target(float notes_per_beat) {
  const double target = static_cast<double>(notes_per_beat) / positions_per_beat_;
  if (!enabled() || !(target > 0.0) || target == target_per_step_) return;
  // The measure is carried over in proportion, so a change of target moves
  // the reference, not the music's memory: the model's own answer to the new
  // emotion makes the change, and the control corrects what is left. Measured
  // against the new target as it stood, music at the old density would be
  // pushed into a near-empty bar. The notes counted beyond the old target say
  // nothing of the new one.
  notes_ *= target / target_per_step_;
  target_per_step_ = target;
  surplus_ = 0.0;
}

double DensityControl::error() const {
  const double target_per_beat = target_per_step_ * positions_per_beat_;
  const double measured = (notes_ + target_per_beat * kPriorBeats) / (beats_ + kPriorBeats);
  return std::log(measured / target_per_beat);
}

double DensityControl::multiplier() const {
  const double ahead = surplus_ / (target_per_step_ * positions_per_beat_);
  return std::clamp(kGain * error() + kIntegral * ahead, -kMaxMultiplier, kMaxMultiplier);
}

void DensityControl::apply(const tokenizer::RemiGrammar& grammar, const uint8_t* mask, float* logits) const {
  if (!enabled()) return;
  const double k = multiplier();
  if (k == 0.0) return;
  const size_t vocab = kind_.size();
  // Another note in this cell competes with moving on only where moving on is
  // allowed; right after a Position the cell must get its note anyway.
  bool can_move_on = false;
  for (size_t i = 0; i < vocab && !can_move_on; ++i)
    can_move_on = mask[i] && (kind_[i] == Kind::position || kind_[i] == Kind::bar);
  if (!can_move_on) return;
  const double here = grammar.position();
  const double rest_of_bar =
      static_cast<double>(grammar.bar_end_tick() - grammar.tick()) / tokenizer::RemiGrammar::kTicksPerStep;
  const double r = target_per_step_;
  // A gap counts up to one beat: counted in full, the tilt of a long gap
  // grows with its length and the control would rather leave a bar empty
  // than play it sparsely.
  const double beat = positions_per_beat_;
  for (size_t i = 0; i < vocab; ++i) {
    if (!mask[i]) continue;
    double tilt = 0.0;
    switch (kind_[i]) {
      case Kind::pitch: tilt = -1.0; break;
      case Kind::position: tilt = r * std::min(position_[i] - here, beat) - 1.0; break;
      case Kind::bar: tilt = r * std::min(rest_of_bar, beat); break;
      case Kind::other: continue;
    }
    logits[i] += static_cast<float>(k * tilt);
  }
}

void DensityControl::observe(const tokenizer::RemiGrammar& grammar) {
  if (!enabled()) return;
  const int64_t now = grammar.tick();
  if (now > last_tick_) {
    const double beats = static_cast<double>(now - last_tick_) / grammar.ticks_per_beat();
    surplus_ -= target_per_step_ * positions_per_beat_ * beats;
    const double decay = std::exp(-beats / kMemoryBeats);
    notes_ *= decay;
    beats_ = beats_ * decay + kMemoryBeats * (1.0 - decay);
    last_tick_ = now;
  }
  Note note;
  if (grammar.completed_note(&note)) {
    notes_ += 1.0;
    surplus_ += 1.0;
  }
  const double limit = kMaxMultiplier / kIntegral * target_per_step_ * positions_per_beat_;
  surplus_ = std::clamp(surplus_, -limit, limit);
}

}  // namespace emopiano::sample
