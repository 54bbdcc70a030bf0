// Emotion on Russell's circumplex as EMOPIA labels it:
//   Q1 happy (high valence, high arousal)   Q2 tense  (low V, high A)
//   Q3 sad   (low V, low A)                 Q4 calm   (high V, low A)
// An EmotionMix is a probability vector over the four quadrants; a hard
// quadrant and a valence/arousal point are both special cases of it.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace emopiano {

// 0..3, usable as indices. The C ABI numbers them 1..4 (EMOPIANO_Q1..Q4);
// capi/emotion.hpp converts, docs/c-api.md ("Emotion") has the table.
enum class Quadrant : int { Q1 = 0, Q2 = 1, Q3 = 2, Q4 = 3 };

constexpr int kNumQuadrants = 4;

// "Q1".."Q4".
const char* quadrant_name(Quadrant q) noexcept;
// "happy", "tense", "sad", "calm".
const char* quadrant_mood(Quadrant q) noexcept;
// Accepts "Q1".."Q4", "1".."4" and the mood words (case-insensitive); nullopt otherwise.
std::optional<Quadrant> parse_quadrant(std::string_view text) noexcept;

class EmotionMix {
 public:
  // Pure Q1.
  EmotionMix() : p_{1.0f, 0.0f, 0.0f, 0.0f} {}

  static EmotionMix from_quadrant(Quadrant q);
  // Weights must be finite and >= 0 with a positive sum; they are normalised.
  // Throws Error(invalid_argument) otherwise.
  static EmotionMix from_probabilities(const std::array<float, 4>& weights);
  // valence and arousal in [-1, 1] (throws otherwise). Bilinear weights: the
  // four corners (+1,+1), (-1,+1), (-1,-1), (+1,-1) are pure Q1..Q4 and the
  // origin is the uniform mix.
  static EmotionMix from_valence_arousal(float valence, float arousal);
  // Parses "Q2", "sad", "0.1,0.6,0.2,0.1" or "va:0.7,-0.3". Throws Error(invalid_argument).
  static EmotionMix parse(std::string_view text);

  const std::array<float, 4>& probabilities() const noexcept { return p_; }
  float operator[](Quadrant q) const noexcept { return p_[static_cast<int>(q)]; }
  Quadrant dominant() const noexcept;
  // Expected valence and arousal in [-1, 1] (Q1 corner = (+1, +1)).
  float valence() const noexcept;
  float arousal() const noexcept;
  // Linear blend: (1 - t) * a + t * b, t clamped to [0, 1].
  static EmotionMix lerp(const EmotionMix& a, const EmotionMix& b, float t) noexcept;
  // "Q1" for a pure quadrant, otherwise "0.10,0.60,0.20,0.10".
  std::string to_string() const;

 private:
  std::array<float, 4> p_;
};

// An emotion that changes over a piece: keyframes at bar numbers, linearly
// interpolated between them and held before the first and after the last.
class EmotionTrajectory {
 public:
  struct Keyframe {
    double bar = 0.0;
    EmotionMix emotion;
  };

  EmotionTrajectory() = default;
  explicit EmotionTrajectory(const EmotionMix& constant);
  // Keyframes are sorted by bar; bars must be finite and >= 0.
  explicit EmotionTrajectory(std::vector<Keyframe> keyframes);
  // Parses "Q3@0,Q3@8,Q1@16" (emotion@bar, comma separated; emotions may be
  // any EmotionMix::parse text with ',' inside written as ';' or a mood word).
  static EmotionTrajectory parse(std::string_view text);

  bool empty() const noexcept { return keys_.empty(); }
  const std::vector<Keyframe>& keyframes() const noexcept { return keys_; }
  EmotionMix at(double bar) const;

 private:
  std::vector<Keyframe> keys_;
};

}  // namespace emopiano
