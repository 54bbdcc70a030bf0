// The emotion classifier through the C ABI: the same answers as the C++ API,
// from files and bytes, and clear errors.
#include <gtest/gtest.h>

#include <string>

#include "capi/capi_fixtures.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

std::string bundled_classifier_or_empty() {
  char* path = nullptr;
  if (emopiano_bundled_classifier_path(&path) != EMOPIANO_OK) return "";
  std::string p = path;
  emopiano_free(path);
  return p;
}

TEST(CapiClassifier, AgreesWithTheCppClassifierOnFilesAndBytes) {
  const std::string path = bundled_classifier_or_empty();
  if (path.empty()) EMOPIANO_MISSING("the bundled classifier");
  emopiano_classifier* c = nullptr;
  ASSERT_EQ(emopiano_classifier_load(&c, path.c_str()), EMOPIANO_OK) << emopiano_last_error();

  const auto dir = test::temp_dir("capi-classifier");
  const auto midi = dir / "piece.mid";
  const std::vector<uint8_t> bytes = capi_test::small_piece_bytes();
  capi_test::write_bytes(midi, bytes);
  const EmotionPrediction expected = EmotionClassifier::load(path).classify(read_midi_file(midi));

  emopiano_emotion_prediction from_file{};
  from_file.struct_size = sizeof from_file;
  ASSERT_EQ(emopiano_classifier_classify_file(&from_file, c, midi.c_str()), EMOPIANO_OK) << emopiano_last_error();
  emopiano_emotion_prediction from_bytes{};
  from_bytes.struct_size = sizeof from_bytes;
  ASSERT_EQ(emopiano_classifier_classify_midi(&from_bytes, c, bytes.data(), bytes.size()), EMOPIANO_OK)
      << emopiano_last_error();
  for (const auto* p : {&from_file, &from_bytes}) {
    EXPECT_EQ(p->quadrant, static_cast<int>(expected.quadrant) + 1);
    double sum = 0;
    for (int i = 0; i < 4; ++i) {
      EXPECT_NEAR(p->probabilities[i], expected.probabilities[static_cast<size_t>(i)], 1e-9);
      sum += p->probabilities[i];
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
    EXPECT_NEAR(p->arousal, p->probabilities[0] + p->probabilities[1], 1e-9);
    EXPECT_NEAR(p->valence, p->probabilities[0] + p->probabilities[3], 1e-9);
  }
  emopiano_classifier_free(c);
}

TEST(CapiClassifier, Errors) {
  emopiano_classifier_free(nullptr);  // accepted
  emopiano_classifier* c = nullptr;
  EXPECT_EQ(emopiano_classifier_load(nullptr, "x"), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_classifier_load(&c, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_classifier_load(&c, "/nonexistent/classifier.pt"), EMOPIANO_ERROR_IO);
  EXPECT_NE(std::string(emopiano_last_error()).find("/nonexistent/classifier.pt"), std::string::npos);
  EXPECT_EQ(c, nullptr);

  const std::string path = bundled_classifier_or_empty();
  if (path.empty()) EMOPIANO_MISSING("the bundled classifier");
  ASSERT_EQ(emopiano_classifier_load(&c, path.c_str()), EMOPIANO_OK);
  emopiano_emotion_prediction out{};
  out.struct_size = sizeof out;
  EXPECT_EQ(emopiano_classifier_classify_file(&out, nullptr, "x.mid"), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_classifier_classify_file(&out, c, "/nonexistent.mid"), EMOPIANO_ERROR_IO);
  const uint8_t junk[] = {'M', 'T', 'h', 'd', 0, 0};
  EXPECT_EQ(emopiano_classifier_classify_midi(&out, c, junk, sizeof junk), EMOPIANO_ERROR_FORMAT);
  EXPECT_EQ(emopiano_classifier_classify_midi(&out, c, nullptr, 10), EMOPIANO_ERROR_INVALID_ARGUMENT);
  out.struct_size = 4;  // older than any version of the struct
  EXPECT_EQ(emopiano_classifier_classify_midi(&out, c, junk, sizeof junk), EMOPIANO_ERROR_INVALID_ARGUMENT);
  emopiano_classifier_free(c);
}

}  // namespace
}  // namespace emopiano
