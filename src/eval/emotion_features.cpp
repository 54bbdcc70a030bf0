#include "eval/emotion_features.hpp"

#include <cmath>

#include "emopiano/metrics.hpp"

namespace emopiano::detail {

const std::vector<std::string>& emotion_feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"notes_per_second",
                                  "notes_per_bar",
                                  "velocity_mean",
                                  "velocity_std",
                                  "note_duration_mean_seconds",
                                  "pitch_range",
                                  "pitches_used",
                                  "pitch_classes_used",
                                  "polyphony",
                                  "polyphony_rate",
                                  "pitch_entropy",
                                  "pitch_class_entropy",
                                  "scale_consistency",
                                  "groove_consistency",
                                  "empty_beat_rate",
                                  "tempo_bpm",
                                  "key_correlation",
                                  "major",
                                  "pitch_mean",
                                  "pitch_std"};
    for (int i = 0; i < 12; ++i) n.push_back("pitch_class_above_tonic_" + std::to_string(i));
    return n;
  }();
  return names;
}

std::vector<double> emotion_features(const Score& score) {
  const MusicMetrics m = compute_metrics(score);
  double pitch_sum = 0, pitch_sq = 0;
  std::vector<double> pc(12, 0.0);
  for (const Note& n : score.notes) {
    pitch_sum += n.pitch;
    pitch_sq += static_cast<double>(n.pitch) * n.pitch;
    pc[static_cast<size_t>(((n.pitch - m.key.tonic) % 12 + 12) % 12)] += 1.0;
  }
  const double count = static_cast<double>(score.notes.size());
  const double pitch_mean = count > 0 ? pitch_sum / count : 0.0;
  const double pitch_std = count > 0 ? std::sqrt(std::max(0.0, pitch_sq / count - pitch_mean * pitch_mean)) : 0.0;
  std::vector<double> f = {m.notes_per_second,
                           m.notes_per_bar,
                           m.velocity_mean,
                           m.velocity_std,
                           m.note_duration_mean_seconds,
                           static_cast<double>(m.pitch_range),
                           static_cast<double>(m.pitches_used),
                           static_cast<double>(m.pitch_classes_used),
                           m.polyphony,
                           m.polyphony_rate,
                           m.pitch_entropy,
                           m.pitch_class_entropy,
                           m.scale_consistency,
                           m.groove_consistency,
                           m.empty_beat_rate,
                           m.tempo_bpm,
                           m.key.correlation,
                           m.key.major ? 1.0 : 0.0,
                           pitch_mean,
                           pitch_std};
  for (double x : pc) f.push_back(count > 0 ? x / count : 0.0);
  for (double& x : f)
    if (!std::isfinite(x)) x = 0.0;
  return f;
}

}  // namespace emopiano::detail
