// Quadrants, emotion mixes and trajectories across the C ABI. An
// emopiano_emotion is a plain copy of EmotionMix's probabilities.
#include "emotion.hpp"

#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "capi_support.hpp"

namespace emopiano::capi {

Quadrant to_quadrant(int32_t quadrant) {
  if (quadrant < EMOPIANO_Q1 || quadrant > EMOPIANO_Q4)
    throw Error(ErrorCode::invalid_argument,
                "quadrant " + std::to_string(quadrant) + " is not EMOPIANO_Q1..EMOPIANO_Q4 (1..4)");
  return static_cast<Quadrant>(quadrant - EMOPIANO_Q1);
}

int32_t from_quadrant(Quadrant q) { return static_cast<int32_t>(q) + EMOPIANO_Q1; }

EmotionMix to_mix(const emopiano_emotion* emotion, const char* name) {
  require(emotion, name);
  // Validates (finite, >= 0, positive sum) and normalises like any mix.
  return EmotionMix::from_probabilities({emotion->p[0], emotion->p[1], emotion->p[2], emotion->p[3]});
}

emopiano_emotion from_mix(const EmotionMix& mix) {
  emopiano_emotion out{};
  for (int i = 0; i < kNumQuadrants; ++i) out.p[i] = mix.probabilities()[i];
  return out;
}

}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

struct emopiano_trajectory {
  EmotionTrajectory trajectory;
};

extern "C" {

int emopiano_quadrant_info(const char** out_name, const char** out_mood, int32_t quadrant) {
  return guarded([&] {
    const Quadrant q = to_quadrant(quadrant);
    if (out_name) *out_name = quadrant_name(q);
    if (out_mood) *out_mood = quadrant_mood(q);
  });
}

int emopiano_quadrant_parse(int32_t* out_quadrant, const char* text) {
  return guarded([&] {
    require(out_quadrant, "out_quadrant");
    const std::string_view s = require_string(text, "text");
    const auto q = parse_quadrant(s);
    if (!q)
      throw Error(ErrorCode::invalid_argument,
                  "'" + std::string(s) + "' is not a quadrant (Q1..Q4, 1..4, happy, tense, sad, calm)");
    *out_quadrant = from_quadrant(*q);
  });
}

int emopiano_emotion_from_quadrant(emopiano_emotion* out, int32_t quadrant) {
  return guarded([&] {
    require(out, "out");
    *out = from_mix(EmotionMix::from_quadrant(to_quadrant(quadrant)));
  });
}

int emopiano_emotion_from_weights(emopiano_emotion* out, const float weights[4]) {
  return guarded([&] {
    require(out, "out");
    require(weights, "weights");
    *out = from_mix(EmotionMix::from_probabilities({weights[0], weights[1], weights[2], weights[3]}));
  });
}

int emopiano_emotion_from_valence_arousal(emopiano_emotion* out, float valence, float arousal) {
  return guarded([&] {
    require(out, "out");
    *out = from_mix(EmotionMix::from_valence_arousal(valence, arousal));
  });
}

int emopiano_emotion_parse(emopiano_emotion* out, const char* text) {
  return guarded([&] {
    require(out, "out");
    *out = from_mix(EmotionMix::parse(require_string(text, "text")));
  });
}

int emopiano_emotion_mix(emopiano_emotion* out, const emopiano_emotion* a, const emopiano_emotion* b, float t) {
  return guarded([&] {
    require(out, "out");
    if (!std::isfinite(t)) throw Error(ErrorCode::invalid_argument, "mix parameter t must be finite");
    *out = from_mix(EmotionMix::lerp(to_mix(a, "a"), to_mix(b, "b"), t));
  });
}

int emopiano_emotion_valence_arousal(float* out_valence, float* out_arousal, const emopiano_emotion* emotion) {
  return guarded([&] {
    const EmotionMix mix = to_mix(emotion, "emotion");
    if (out_valence) *out_valence = mix.valence();
    if (out_arousal) *out_arousal = mix.arousal();
  });
}

int emopiano_emotion_dominant(int32_t* out_quadrant, const emopiano_emotion* emotion) {
  return guarded([&] {
    require(out_quadrant, "out_quadrant");
    *out_quadrant = from_quadrant(to_mix(emotion, "emotion").dominant());
  });
}

int emopiano_emotion_to_string(char* buffer, size_t buffer_size, size_t* out_size_needed,
                               const emopiano_emotion* emotion) {
  return guarded(
      [&] { write_string_buffer(buffer, buffer_size, out_size_needed, to_mix(emotion, "emotion").to_string()); });
}

int emopiano_trajectory_new(emopiano_trajectory** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    *out = new emopiano_trajectory{};
  });
}

int emopiano_trajectory_parse(emopiano_trajectory** out, const char* text) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    EmotionTrajectory parsed = EmotionTrajectory::parse(require_string(text, "text"));
    *out = new emopiano_trajectory{std::move(parsed)};
  });
}

int emopiano_trajectory_add(emopiano_trajectory* trajectory, double bar, const emopiano_emotion* emotion) {
  return guarded([&] {
    require(trajectory, "trajectory");
    if (!std::isfinite(bar) || bar < 0)
      throw Error(ErrorCode::invalid_argument, "keyframe bar must be finite and >= 0, not " + std::to_string(bar));
    std::vector<EmotionTrajectory::Keyframe> keys = trajectory->trajectory.keyframes();
    keys.push_back({bar, to_mix(emotion, "emotion")});
    trajectory->trajectory = EmotionTrajectory(std::move(keys));  // sorts by bar
  });
}

int emopiano_trajectory_keyframe_count(size_t* out_count, const emopiano_trajectory* trajectory) {
  return guarded([&] {
    require(out_count, "out_count");
    require(trajectory, "trajectory");
    *out_count = trajectory->trajectory.keyframes().size();
  });
}

int emopiano_trajectory_keyframe(double* out_bar, emopiano_emotion* out_emotion, const emopiano_trajectory* trajectory,
                                 size_t index) {
  return guarded([&] {
    require(trajectory, "trajectory");
    const auto& keys = trajectory->trajectory.keyframes();
    if (index >= keys.size())
      throw Error(ErrorCode::invalid_argument, "keyframe index " + std::to_string(index) + " is out of range (" +
                                                   std::to_string(keys.size()) + " keyframes)");
    if (out_bar) *out_bar = keys[index].bar;
    if (out_emotion) *out_emotion = from_mix(keys[index].emotion);
  });
}

int emopiano_trajectory_at(emopiano_emotion* out, const emopiano_trajectory* trajectory, double bar) {
  return guarded([&] {
    require(out, "out");
    require(trajectory, "trajectory");
    if (trajectory->trajectory.empty()) throw Error(ErrorCode::invalid_argument, "the trajectory has no keyframes");
    if (!std::isfinite(bar)) throw Error(ErrorCode::invalid_argument, "bar must be finite");
    *out = from_mix(trajectory->trajectory.at(bar));
  });
}

void emopiano_trajectory_free(emopiano_trajectory* trajectory) { delete trajectory; }

}  // extern "C"

namespace emopiano::capi {
const EmotionTrajectory& trajectory_of(const emopiano_trajectory* trajectory) {
  require(trajectory, "trajectory");
  return trajectory->trajectory;
}
}  // namespace emopiano::capi
