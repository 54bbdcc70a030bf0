// The emotion classifier across the C ABI: load, classify a file or bytes.
#include <string>

#include "capi_support.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/midi.hpp"
#include "emotion.hpp"

struct emopiano_classifier {
  emopiano::EmotionClassifier classifier;
};

namespace emopiano::capi {
namespace {

const EmotionClassifier& classifier_of(const emopiano_classifier* handle) {
  require(handle, "classifier");
  return handle->classifier;
}

void fill_prediction(emopiano_emotion_prediction* out, const EmotionPrediction& p) {
  emopiano_emotion_prediction value{};
  value.quadrant = from_quadrant(p.quadrant);
  for (int i = 0; i < 4; ++i) value.probabilities[i] = p.probabilities[static_cast<size_t>(i)];
  value.arousal = p.arousal;
  value.valence = p.valence;
  value.windows = p.windows;
  fill_out_struct(out, value, kPredictionV1, "out");
}

}  // namespace
}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_classifier_load(emopiano_classifier** out, const char* path) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    EmotionClassifier c = EmotionClassifier::load(std::string(require_string(path, "path")));
    *out = new emopiano_classifier{std::move(c)};
  });
}

void emopiano_classifier_free(emopiano_classifier* classifier) { delete classifier; }

int emopiano_bundled_classifier_path(char** out_path) {
  return guarded([&] {
    require(out_path, "out_path");
    *out_path = nullptr;
    *out_path = copy_string(bundled_classifier_path().string());
  });
}

int emopiano_classifier_classify_file(emopiano_emotion_prediction* out, const emopiano_classifier* classifier,
                                      const char* midi_path) {
  return guarded([&] {
    require(out, "out");
    check_struct_size(out->struct_size, kPredictionV1, sizeof(*out), "out");
    const EmotionClassifier& c = classifier_of(classifier);
    fill_prediction(out, c.classify(read_midi_file(std::string(require_string(midi_path, "midi_path")))));
  });
}

int emopiano_classifier_classify_midi(emopiano_emotion_prediction* out, const emopiano_classifier* classifier,
                                      const uint8_t* data, size_t size) {
  return guarded([&] {
    require(out, "out");
    check_struct_size(out->struct_size, kPredictionV1, sizeof(*out), "out");
    const EmotionClassifier& c = classifier_of(classifier);
    require(data, "data");
    fill_prediction(out, c.classify(read_midi_bytes(data, size)));
  });
}

}  // extern "C"
