#include "sample/valence_guidance.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "emopiano/tokenizer.hpp"
#include "sample/emotion_schedule.hpp"

namespace emopiano::sample {

namespace {

// Valence is carried by what is played in pitch: mode, register, harmony.
// Velocity, duration and the rhythm also follow arousal, and pushing them
// from the mirror moved the arousal of changes that needed it (a sad piece
// turning happy stayed quiet, docs/evaluation.md).
constexpr const char* kValenceFamilies[] = {"Pitch", "Chord"};

}  // namespace

float resolve_valence_guidance(float requested, const std::string& metadata_json) {
  if (requested >= 0.0f) return requested;
  auto j = nlohmann::json::parse(metadata_json, nullptr, false);
  const bool null_emotion = j.is_object() && j.value("null_emotion", false);
  return null_emotion ? kDefaultValenceGuidance : 0.0f;
}

bool valence_changed(float opening, float now) { return std::abs(now - opening) >= kValenceChange; }

bool valence_may_change(const EmotionTrajectory& trajectory, float opening) {
  for (const auto& k : trajectory.keyframes())
    if (valence_changed(opening, k.emotion.valence())) return true;
  return false;
}

int32_t first_valence_change_bar(const EmotionTrajectory& trajectory, int32_t opening_bar) {
  if (trajectory.empty()) return INT32_MAX;
  // Past the last keyframe the emotion holds (grammar bar b reads trajectory bar b - 1).
  const double last = trajectory.keyframes().back().bar;
  const int32_t held = static_cast<int32_t>(std::min(std::ceil(last) + 2.0, static_cast<double>(INT32_MAX - 1)));
  const float opening = emotion_valence(trajectory, opening_bar);
  for (int32_t bar = opening_bar; bar <= std::max(held, opening_bar); ++bar)
    if (valence_changed(opening, emotion_valence(trajectory, bar))) return bar;
  return INT32_MAX;
}

std::array<float, 4> mirror_valence(const std::array<float, 4>& e) { return {e[1], e[0], e[3], e[2]}; }

ValenceGuidance::ValenceGuidance(const Tokenizer& tokenizer, float weight) : weight_(weight) {
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    const std::string name = tokenizer.token_to_string(id);
    const std::string family = name.substr(0, name.find('_'));
    if (std::find(std::begin(kValenceFamilies), std::end(kValenceFamilies), family) != std::end(kValenceFamilies))
      tokens_.push_back(id);
  }
}

void ValenceGuidance::apply(float* cond, const float* mirrored) const {
  for (int32_t i : tokens_) cond[i] += weight_ * (cond[i] - mirrored[i]);
}

}  // namespace emopiano::sample
