// Confusion matrix and emotion accuracy.
#include <nlohmann/json.hpp>

#include "emopiano/evaluation.hpp"

namespace emopiano {

void EmotionAccuracy::add(Quadrant truth, const EmotionPrediction& p) {
  confusion[static_cast<int>(truth)][static_cast<int>(p.quadrant)] += 1;
  total += 1;
  arousal_correct += (p.arousal > 0.5) == high_arousal(truth);
  valence_correct += (p.valence > 0.5) == positive_valence(truth);
}

int64_t EmotionAccuracy::correct() const noexcept {
  int64_t n = 0;
  for (int q = 0; q < 4; ++q) n += confusion[q][q];
  return n;
}

namespace {
double share(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}
}  // namespace

double EmotionAccuracy::accuracy() const noexcept { return share(correct(), total); }
double EmotionAccuracy::arousal_accuracy() const noexcept { return share(arousal_correct, total); }
double EmotionAccuracy::valence_accuracy() const noexcept { return share(valence_correct, total); }

double EmotionAccuracy::recall(Quadrant q) const noexcept {
  const auto& row = confusion[static_cast<int>(q)];
  return share(row[static_cast<int>(q)], row[0] + row[1] + row[2] + row[3]);
}

std::string EmotionAccuracy::to_json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : confusion) rows.push_back(row);
  return nlohmann::json{{"total", total},
                        {"accuracy", accuracy()},
                        {"arousal", arousal_accuracy()},
                        {"valence", valence_accuracy()},
                        {"confusion", rows}}
      .dump();
}

}  // namespace emopiano
